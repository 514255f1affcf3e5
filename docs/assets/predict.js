/* Predict, then check: the buttons of each exercise's prediction widget (src/lessonkit/site/predict.py).
   No dependency. The widget is drawn at build time; its outcomes are in the JSON inside it, so this
   makes no request, and it stores nothing. Lines are compared as pool indices: the build already
   masked, trimmed and cut tracebacks to their last line. */
(function () {
  "use strict";

  function data(widget) {
    if (!widget.lkData) widget.lkData = JSON.parse(widget.querySelector(".lk-predict-data").textContent);
    return widget.lkData;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }
  function lineText(d, index) {
    return d.pool[index] === "" ? d.text.blank : d.pool[index];
  }
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function items(widget) {
    return Array.prototype.slice.call(widget.querySelector(".lk-predict-guess ol").children);
  }
  function say(widget, message) {
    widget.querySelector(".lk-predict-status").textContent = message;
  }

  // Each line's buttons are labelled with its place, so a screen reader says what a press moves.
  function relabel(widget) {
    var d = data(widget), list = items(widget);
    list.forEach(function (item, n) {
      var values = { n: n + 1, line: lineText(d, +item.getAttribute("data-line")) };
      ["up", "down", "remove"].forEach(function (name) {
        item.querySelector(".lk-" + name).setAttribute("aria-label", fill(d.text[name], values));
      });
    });
    widget.querySelector(".lk-predict-empty").hidden = list.length > 0;
  }

  function add(widget, index) {
    var d = data(widget), item = element("li"), moves = element("span", "lk-moves");
    item.setAttribute("data-line", index);
    item.appendChild(element("code", "", lineText(d, index)));
    [["up", "↑"], ["down", "↓"], ["remove", "✕"]].forEach(function (pair) {
      var button = element("button", "lk-" + pair[0], pair[1]);
      button.type = "button";
      moves.appendChild(button);
    });
    item.appendChild(moves);
    widget.querySelector(".lk-predict-guess ol").appendChild(item);
    relabel(widget);
    say(widget, fill(d.text.added, { n: items(widget).length, line: lineText(d, index) }));
  }

  function move(widget, button, name) {
    var d = data(widget), item = button.closest("li"), list = item.parentNode;
    if (name === "remove") {
      var next = item.nextElementSibling || item.previousElementSibling;
      list.removeChild(item);
      relabel(widget);
      (next ? next.querySelector(".lk-remove") : widget.querySelector(".lk-add")).focus();
      say(widget, fill(d.text.removed, { line: lineText(d, +item.getAttribute("data-line")) }));
      return;
    }
    var other = name === "up" ? item.previousElementSibling : item.nextElementSibling;
    if (other) list.insertBefore(item, name === "up" ? other : other.nextElementSibling);
    relabel(widget);
    button.focus(); // moving a node takes the focus away from the button inside it
    say(widget, fill(d.text.moved, { n: items(widget).indexOf(item) + 1, line: lineText(d, +item.getAttribute("data-line")) }));
  }

  // The prediction's lines against an outcome's: a longest common subsequence, then each line
  // that is in both but in another place is "moved", as the tabs mark other outcomes.
  function diff(mine, real) {
    var n = mine.length, m = real.length, table = [], i, j;
    for (i = 0; i <= n; i++) { table.push([]); for (j = 0; j <= m; j++) table[i].push(0); }
    for (i = n - 1; i >= 0; i--)
      for (j = m - 1; j >= 0; j--)
        table[i][j] = mine[i] === real[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    var marked = [], missing = [];
    for (i = 0, j = 0; i < n || j < m;) {
      if (i < n && j < m && mine[i] === real[j]) { marked.push(["same", real[j]]); i++; j++; }
      else if (j < m && (i >= n || table[i][j + 1] >= table[i + 1][j])) { marked.push(["added", real[j]]); j++; }
      else { marked.push(["missing", mine[i]]); missing.push(mine[i]); i++; }
    }
    var paired = {}; // per line: how many missing copies an added copy turned into "moved"
    marked.forEach(function (line) {
      var twin = line[0] === "added" ? missing.indexOf(line[1]) : -1;
      if (twin >= 0) { missing.splice(twin, 1); line[0] = "moved"; paired[line[1]] = (paired[line[1]] || 0) + 1; }
    });
    return { lines: marked.filter(function (line) {
      if (line[0] === "missing" && paired[line[1]]) { paired[line[1]]--; return false; }
      return true;
    }), common: table[0][0] };
  }

  function check(widget) {
    var d = data(widget), mine = items(widget).map(function (item) { return +item.getAttribute("data-line"); });
    var result = widget.querySelector(".lk-predict-result"), counts = element("ul", "lk-predict-counts");
    var key = mine.join(","), exact = -1, best = -1, bestScore = null;
    d.outcomes.forEach(function (outcome, index) {
      if (outcome.join(",") === key) exact = index;
      var total = d.methods.reduce(function (sum, method) { return sum + method[2][index]; }, 0);
      var score = [mine.length + outcome.length - 2 * diff(mine, outcome).common, -total];
      if (!bestScore || score[0] < bestScore[0] || (score[0] === bestScore[0] && score[1] < bestScore[1])) {
        best = index; bestScore = score;
      }
    });
    result.textContent = "";
    result.appendChild(element("p", "", d.text.result));
    d.methods.forEach(function (method) {
      var item = element("li", "", fill(d.text.count, { method: method[0], runs: method[1], count: exact < 0 ? 0 : method[2][exact] }));
      item.setAttribute("data-method", method[0]);
      counts.appendChild(item);
    });
    result.appendChild(counts);
    if (exact >= 0) {
      result.appendChild(element("p", "", d.text.exact));
    } else if (best >= 0) {
      var shares = d.methods.map(function (method) {
        return fill(d.text.count, { method: method[0], runs: method[1], count: method[2][best] });
      }).join(" · ");
      result.appendChild(element("p", "", fill(d.text.closest, { counts: shares })));
      var box = element("div", "highlight lessonkit-diff lk-predict-diff"), pre = element("pre"), code = element("code");
      var lines = diff(mine, d.outcomes[best]).lines;
      var signs = { same: " ", added: "+", missing: "−", moved: "↕" };
      if (!lines.length) code.appendChild(element("span", "lessonkit-line", d.text.nothing));
      lines.forEach(function (line, n) {
        var span = element("span", "lessonkit-line lessonkit-" + line[0], signs[line[0]] + " ");
        var wrap = line[0] === "added" ? "ins" : line[0] === "missing" ? "del" : "span";
        span.appendChild(element(wrap, "", lineText(d, line[1])));
        if (n) code.appendChild(document.createTextNode("\n"));
        code.appendChild(span);
      });
      pre.appendChild(code);
      box.appendChild(pre);
      result.appendChild(box);
      result.appendChild(element("p", "lk-predict-legend", d.text.legend));
    }
    var answer = widget.nextElementSibling;
    if (answer && answer.tagName === "DETAILS") {
      answer.open = true;
      result.appendChild(element("p", "", d.text.answer));
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".lk-predict button");
    if (!button) return;
    var widget = button.closest(".lk-predict");
    if (button.hasAttribute("data-add")) add(widget, +button.getAttribute("data-add"));
    else if (button.classList.contains("lk-check")) check(widget);
    else if (button.classList.contains("lk-clear")) {
      widget.querySelector(".lk-predict-guess ol").textContent = "";
      widget.querySelector(".lk-predict-result").textContent = "";
      relabel(widget);
      say(widget, data(widget).text.cleared);
    } else ["up", "down", "remove"].forEach(function (name) {
      if (button.classList.contains("lk-" + name)) move(widget, button, name);
    });
  });
})();
