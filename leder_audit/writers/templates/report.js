(function () {
  "use strict";
  // One finding, as the writer lays it out (leder_audit/writers/html.py, HtmlWriter._row).
  var RULE = 0, SEV = 1, RECORD = 2, TYPE = 3, SOURCE = 4, LOCATION = 5, PATH = 6, TAGS = 7, TITLE = 8,
      MESSAGE = 9, BEFORE = 10, MARK = 11, AFTER = 12, NOT_RECORDED = 13;
  var PAGE = 100, PRINT_LIMIT = 5000;
  var KEYS = ["severity", "theme", "status", "rule", "record", "q", "group", "sort", "page"];
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var S = data.strings, rules = data.rules, sevs = data.severities, all = data.findings;
  var rows = document.getElementById("finding-rows"), pager = document.getElementById("pager");
  var controls = {};
  ["severity", "theme", "status", "rule", "q", "group"].forEach(function (k) { controls[k] = document.getElementById("f-" + k); });
  var state = {}, haystacks = null, printing = false, needle = "";

  function tagsOf(f) { return S[f[TAGS]].split(" "); }
  function themeOf(f) { var t = tagsOf(f); for (var i = 0; i < t.length; i++) if (t[i] !== "not-recorded") return t[i]; return ""; }
  function sourceOf(f) { return f[SOURCE] < 0 ? "" : S[f[SOURCE]] + " " + f[LOCATION]; }
  function text(f) {
    return (f[RECORD] + "\n" + rules[f[RULE]].id + "\n" + S[f[TITLE]] + "\n" + S[f[MESSAGE]] + "\n" +
            f[BEFORE] + (f[MARK] || "") + f[AFTER]).toLowerCase();
  }

  function read() {
    var q = (location.hash || "").replace(/^#/, "") || (location.search || "").replace(/^\?/, "");
    var s = {};
    q.split("&").forEach(function (p) {
      if (!p) return;
      var i = p.indexOf("="), k = decodeURIComponent(i < 0 ? p : p.slice(0, i));
      var v = i < 0 ? "" : decodeURIComponent(p.slice(i + 1).replace(/\+/g, " "));
      if (KEYS.indexOf(k) >= 0) s[k] = v;
    });
    return s;
  }
  function write(s) {
    var parts = [];
    KEYS.forEach(function (k) { if (s[k]) parts.push(k + "=" + encodeURIComponent(s[k])); });
    var target = parts.length ? "#" + parts.join("&") : location.pathname + location.search;
    history.replaceState(null, "", target);
  }
  function set(changes, keepPage) {
    for (var k in changes) state[k] = changes[k];
    if (!keepPage) delete state.page;
    write(state);
    show();
  }

  function predicate(s) {
    var sev = s.severity || "", only = sev.indexOf("only-") === 0, level = sevs.indexOf(only ? sev.slice(5) : sev);
    var rule = -1, needle = (s.q || "").trim().toLowerCase();
    if (s.rule) { rule = -2; rules.forEach(function (r, i) { if (r.id === s.rule) rule = i; }); }
    if (needle && !haystacks) haystacks = all.map(text);
    return function (f, i) {
      if (level >= 0 && (only ? f[SEV] !== level : f[SEV] < level)) return false;
      if (rule !== -1 && f[RULE] !== rule) return false;
      if (s.status === "recorded" && f[NOT_RECORDED]) return false;
      if (s.status === "not-recorded" && !f[NOT_RECORDED]) return false;
      if (s.theme && tagsOf(f).indexOf(s.theme) < 0) return false;
      if (s.record && f[RECORD] !== s.record) return false;
      if (needle && haystacks[i].indexOf(needle) < 0) return false;
      return true;
    };
  }
  // Each sort key ranks every finding once, the first time it is asked for; ties keep the page's order,
  // which the writer made most severe first, then by rule, then by record.
  function natural(text) { return text.toLowerCase().replace(/\d+/g, function (d) { return d.length >= 12 ? d : ("000000000000" + d).slice(-12); }); }
  var sortKeys = {
    rule: function (f) { return rules[f[RULE]].id; },
    theme: function (f) { return themeOf(f); },
    record: function (f) { return natural(S[f[TYPE]] + " " + f[RECORD]); },
    source: function (f) { return natural(sourceOf(f)); }
  };
  var ranks = {};
  function rankOf(key) {
    if (!sortKeys[key]) return null;
    if (!ranks[key]) {
      var keys = all.map(sortKeys[key]), order = all.map(function (_, i) { return i; }), rank = new Int32Array(all.length);
      order.sort(function (i, j) { return keys[i] < keys[j] ? -1 : keys[i] > keys[j] ? 1 : i - j; });
      order.forEach(function (i, n) { rank[i] = n; });
      ranks[key] = rank;
    }
    return ranks[key];
  }
  function groupKey(f, group) { return group === "rule" ? rules[f[RULE]].id : group === "record" ? S[f[TYPE]] + " " + f[RECORD] : ""; }

  // The findings in view, in order: grouped ones gather under their group, the worst groups first.
  function selected(s) {
    var keep = predicate(s), picked = [];
    for (var i = 0; i < all.length; i++) if (keep(all[i], i)) picked.push(i);
    var sort = s.sort || "severity", reverse = sort.charAt(0) === "-", rank = rankOf(reverse ? sort.slice(1) : sort);
    var order = rank ? function (i, j) { return reverse ? rank[j] - rank[i] : rank[i] - rank[j]; }
                     : function (i, j) { return reverse ? j - i : i - j; };
    var groups = null;
    if (s.group === "rule" || s.group === "record") {
      groups = {};
      picked.forEach(function (i) {
        var k = groupKey(all[i], s.group), g = groups[k] || (groups[k] = {key: k, count: 0, worst: 0, first: i});
        g.count++; if (all[i][SEV] > g.worst) g.worst = all[i][SEV];
      });
      picked.sort(function (i, j) {
        var a = groups[groupKey(all[i], s.group)], b = groups[groupKey(all[j], s.group)];
        if (a !== b) return (b.worst - a.worst) || (b.count - a.count) || (a.key < b.key ? -1 : 1);
        return order(i, j);
      });
    } else if (rank || reverse) {
      picked.sort(order);
    }
    return {indices: picked, groups: groups};
  }

  // Where the search words occur in a text, as [start, end) pairs, found as the search finds them (ignoring case).
  function hits(value) {
    var found = [];
    if (!needle || !value) return found;
    var lower = value.toLowerCase();
    if (lower.length === value.length) {
      for (var at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + needle.length)) found.push([at, at + needle.length]);
    } else {  // a character whose lower case is longer: positions in the lowered text would be off
      var re = new RegExp(needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "giu"), m;
      while ((m = re.exec(value)) !== null) { found.push([m.index, m.index + m[0].length]); if (!m[0].length) re.lastIndex++; }
    }
    return found;
  }
  // The text appended to a node with the search words in <mark class="hit">; `from` places it in a longer text.
  function marked(into, value, ranges, from) {
    var at = 0, offset = from || 0;
    ranges.forEach(function (r) {
      var start = Math.max(r[0] - offset, at), end = Math.min(r[1] - offset, value.length);
      if (end <= start) return;
      if (start > at) into.appendChild(document.createTextNode(value.slice(at, start)));
      into.appendChild(el("mark", "hit", value.slice(start, end)));
      at = end;
    });
    if (at < value.length) into.appendChild(document.createTextNode(value.slice(at)));
    return into;
  }
  function withHits(tag, cls, value) { return marked(el(tag, cls), value, hits(value)); }

  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined && content !== null) e.textContent = content;
    return e;
  }
  function link(label, changes) {
    var a = el("a", "filter-link", label);
    a.href = "#";
    a.addEventListener("click", function (ev) { ev.preventDefault(); set(changes); });
    return a;
  }
  function references(rule, into) {
    if (!rule.refs.length) return;
    var ul = el("ul", "refs");
    rule.refs.forEach(function (r) {
      var li = el("li");
      if (r.url) { var a = el("a", "", r.text); a.href = r.url; li.appendChild(a); } else li.textContent = r.text;
      ul.appendChild(li);
    });
    into.appendChild(ul);
  }
  // A row that repeats the rule, or the message, of the row above says so, so that print can leave them out.
  function row(f, above) {
    var tr = el("tr"), rule = rules[f[RULE]], sev = sevs[f[SEV]];
    if (above && above[RULE] === f[RULE]) tr.classList.add("same-rule");
    if (above && above[MESSAGE] === f[MESSAGE]) tr.classList.add("same-message");
    tr.setAttribute("data-rule", rule.id); tr.setAttribute("data-severity", sev);
    tr.setAttribute("data-tags", S[f[TAGS]]); tr.setAttribute("data-record", f[RECORD]);
    var c1 = el("td"); c1.appendChild(el("span", "sev sev-" + sev, sev));
    if (f[NOT_RECORDED]) c1.appendChild(el("div", "gap", "not recorded"));
    var c2 = el("td"); c2.appendChild(withHits("b", "", rule.id)); c2.appendChild(withHits("div", "rule-title", S[f[TITLE]]));
    c2.appendChild(el("div", "muted tags", tagsOf(f).join(", ")));
    var c3 = el("td"); c3.appendChild(el("span", "muted", S[f[TYPE]] + " ")); c3.appendChild(withHits("b", "", f[RECORD]));
    if (f[SOURCE] >= 0) {
      var file = S[f[SOURCE]], where = el("div", "muted where", file.split(/[\\/]/).pop() + ", " + f[LOCATION]);
      where.title = file + ", " + f[LOCATION];
      c3.appendChild(where);
    }
    if (f[PATH]) { var p = el("div", "muted where", "at "); p.appendChild(el("code", "", f[PATH])); c3.appendChild(p); }
    var c4 = el("td");
    if (f[MARK] !== null) {
      // The search words are found in the whole evidence, so a match across the evidence mark is still shown.
      var src = el("div", "source"), evidence = f[BEFORE] + f[MARK] + f[AFTER], found = hits(evidence);
      var a = f[BEFORE].length, b = a + f[MARK].length;
      marked(src, f[BEFORE], found, 0);
      src.appendChild(marked(el("mark", ""), f[MARK], found, a));
      marked(src, f[AFTER], found, b);
      c4.appendChild(src);
    }
    var message = S[f[MESSAGE]], details = el("details", "message"), cut = message.search(/[.:;]\s/);
    var summary = cut > 0 && cut < 140 ? message.slice(0, cut + 1) : message.slice(0, 140) + (message.length > 140 ? "…" : "");
    var inMessage = hits(message);
    details.appendChild(withHits("summary", "", summary));
    details.appendChild(marked(el("div", ""), message, inMessage));
    references(rule, details);
    // A message the search found words in is opened, so that they can be seen.
    if (printing || inMessage.length) details.open = true;
    c4.appendChild(details);
    [c1, c2, c3, c4].forEach(function (c) { tr.appendChild(c); });
    return tr;
  }
  function groupRow(g, s) {
    var tr = el("tr", "group"), td = el("td");
    td.colSpan = 4;
    td.appendChild(el("b", "", g.key));
    if (s.group === "rule") {
      rules.forEach(function (r) { if (r.id === g.key) td.appendChild(document.createTextNode(" " + r.title)); });
    }
    td.appendChild(el("span", "group-count", " " + g.count + (g.count === 1 ? " finding" : " findings") + ", worst " + sevs[g.worst] + " "));
    var change = {group: ""};
    if (s.group === "rule") change.rule = g.key; else change.record = g.key.slice(g.key.indexOf(" ") + 1);
    td.appendChild(link("list only these", change));
    tr.setAttribute("data-group", g.key); tr.setAttribute("data-count", g.count);
    tr.appendChild(td);
    return tr;
  }

  function show() {
    for (var k in controls) controls[k].value = state[k] || "";
    needle = (state.q || "").trim().toLowerCase();
    var view = selected(state), n = view.indices.length;
    var pages = Math.max(1, Math.ceil(n / PAGE)), page = Math.min(pages, Math.max(1, parseInt(state.page, 10) || 1));
    var from = printing ? 0 : (page - 1) * PAGE, to = printing ? Math.min(n, PRINT_LIMIT) : Math.min(n, from + PAGE);
    var body = document.createDocumentFragment(), last = null, above = null;
    for (var i = from; i < to; i++) {
      var f = all[view.indices[i]];
      if (view.groups) {
        var g = view.groups[groupKey(f, state.group)];
        if (g !== last) { body.appendChild(groupRow(g, state)); last = g; above = null; }
      }
      body.appendChild(row(f, above));
      above = f;
    }
    rows.textContent = "";
    rows.appendChild(body);
    document.getElementById("finding-table").className = "grid findings" + (view.groups ? " by-" + state.group : "");
    document.getElementById("shown-count").textContent = n;
    document.getElementById("listed-count").textContent = all.length;
    var chip = document.getElementById("filter-record");
    chip.textContent = "";
    if (state.record) { chip.appendChild(document.createTextNode(", record " + state.record + " ")); chip.appendChild(link("(all records)", {record: ""})); }
    if (view.groups) {
      var count = 0; for (var key in view.groups) count++;
      chip.appendChild(document.createTextNode(" in " + count + (state.group === "rule" ? " rules" : " records")));
    }
    drawPager(page, pages, n, from, to);
    document.querySelectorAll("#finding-table th button").forEach(function (b) {
      var key = b.getAttribute("data-sort"), sort = state.sort || "severity";
      b.setAttribute("aria-sort", sort === key ? "ascending" : sort === "-" + key ? "descending" : "none");
      b.className = sort === key || sort === "-" + key ? "sorted" : "";
    });
  }
  function drawPager(page, pages, n, from, to) {
    pager.textContent = "";
    if (n === 0) { pager.appendChild(el("span", "", "No findings match.")); return; }
    pager.appendChild(el("span", "", "Findings " + (from + 1) + "–" + to + " of " + n + " "));
    if (pages === 1) return;
    var go = function (label, p, disabled) {
      var b = el("button", "", label); b.type = "button"; b.disabled = disabled;
      b.addEventListener("click", function () { set({page: p > 1 ? String(p) : ""}, true); rows.scrollIntoView && document.getElementById("finding-table").scrollIntoView(); });
      pager.appendChild(b);
    };
    go("« first", 1, page === 1); go("‹ previous", page - 1, page === 1);
    pager.appendChild(el("span", "page", " page " + page + " of " + pages + " "));
    go("next ›", page + 1, page === pages); go("last »", pages, page === pages);
  }

  function fromUrl() { state = read(); show(); }
  ["severity", "theme", "status", "rule", "group"].forEach(function (k) {
    controls[k].addEventListener("change", function () { var c = {}; c[k] = controls[k].value; set(c); });
  });
  var typing = null;
  controls.q.addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(function () { set({q: controls.q.value}); }, 150);
  });
  document.getElementById("f-clear").addEventListener("click", function () { state = {}; set({}); });
  document.querySelectorAll("#finding-table th button").forEach(function (b) {
    b.addEventListener("click", function () {
      var key = b.getAttribute("data-sort");
      set({sort: (state.sort || "severity") === key ? "-" + key : key === "severity" ? "" : key}, false);
    });
  });
  function barFilter(g) {
    var s = {};
    g.getAttribute("data-filter").split("&").forEach(function (p) { var kv = p.split("="); s[kv[0]] = kv[1]; });
    state = s; write(state); show();
    document.getElementById("findings").scrollIntoView();
  }
  document.querySelectorAll("#summary g.bar").forEach(function (g) {
    g.addEventListener("click", function () { barFilter(g); });
    g.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); barFilter(g); } });
  });
  document.querySelectorAll("a.rule-link").forEach(function (a) {
    a.addEventListener("click", function (ev) { ev.preventDefault(); state = {rule: a.textContent}; write(state); show(); document.getElementById("findings").scrollIntoView(); });
  });
  window.addEventListener("hashchange", fromUrl);
  // Printing lays out every finding in view (up to PRINT_LIMIT) with its message open, then the page again.
  window.addEventListener("beforeprint", function () { printing = true; show(); });
  window.addEventListener("afterprint", function () { printing = false; show(); });
  fromUrl();
  document.documentElement.setAttribute("data-ready", "1");
})();
