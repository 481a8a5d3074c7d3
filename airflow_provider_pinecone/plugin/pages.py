"""The plugin's two HTML pages: shells without data, whose script fetches the JSON and builds the DOM.

No data is ever put into the HTML: the script creates elements and sets their ``textContent``, so
nothing Pinecone or a DAG says can become markup. The script is inline (the pages work without any
network but the API server) and allowed by its hash in the Content-Security-Policy, which allows
nothing else to run.

Why the script sends ``Authorization: Bearer`` from ``localStorage["token"]``: Airflow 3.1's UI
keeps the session token there and its API reads only that header; 3.3 also reads the ``_token``
cookie, which ``credentials: "same-origin"`` sends.
"""

from __future__ import annotations

import base64
import hashlib

_CSS = """
:root { color-scheme: light dark; --fg: #1a202c; --muted: #4a5568; --line: #e2e8f0; --bg: #fff;
  --accent: #2b6cb0; --bad: #c53030; --warn: #b7791f; --good: #2f855a; }
@media (prefers-color-scheme: dark) { :root { --fg: #e2e8f0; --muted: #a0aec0; --line: #4a5568;
  --bg: #1a202c; --accent: #63b3ed; --bad: #fc8181; --warn: #f6e05e; --good: #68d391; } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
  margin: 0; padding: 12px 16px; }
h2 { font-size: 16px; margin: 16px 0 8px; } h2:first-child { margin-top: 0; }
table { border-collapse: collapse; margin: 4px 0 12px; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
a { color: var(--accent); }
.bar { height: 12px; background: var(--line); border-radius: 6px; overflow: hidden; max-width: 480px; }
.bar > div { height: 100%; background: var(--accent); width: 0; transition: width .4s; }
.bar.small { height: 8px; width: 120px; display: inline-block; vertical-align: middle; margin-right: 6px; }
.status-Completed, .ok { color: var(--good); font-weight: 600; }
.status-Failed, .status-Cancelled, .bad, .error { color: var(--bad); font-weight: 600; }
.warning { color: var(--warn); font-weight: 600; }
.muted { color: var(--muted); }
.message { padding: 8px 0; }
.filters { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
.pager { display: flex; gap: 8px; align-items: center; margin-top: 8px; }
pre.errortext { white-space: pre-wrap; margin: 0; font: inherit; }
"""

_COMMON_JS = r"""
"use strict";
var PC = (function () {
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = String(value);
      else if (name === "href") { var safe = safeHref(value); if (safe) node.setAttribute("href", safe); }
      else node.setAttribute(name, String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    });
    return node;
  }
  // Only http(s) URLs and same-origin paths become links; nothing else (javascript:, data:, //host).
  function safeHref(value) {
    var text = String(value);
    if (/^https?:\/\//i.test(text)) return text;
    if (text.charAt(0) === "/" && text.charAt(1) !== "/" && text.charAt(1) !== "\\") return text;
    return null;
  }
  // Airflow's base path: whatever precedes the plugin's prefix in this page's own path.
  function basePath() {
    var path = window.location.pathname, at = path.lastIndexOf("/pinecone/");
    return at > 0 ? path.slice(0, at) : "";
  }
  function api(path, bearer) {
    var headers = {"Accept": "application/json"};
    var token = null;
    if (bearer !== false) { try { token = window.localStorage.getItem("token"); } catch (e) { token = null; } }
    if (token) headers["Authorization"] = "Bearer " + token;
    return fetch(basePath() + path, {credentials: "same-origin", headers: headers, cache: "no-store"})
      .then(function (response) {
        // A stale token from an older UI must not hide a valid session cookie: try once without it.
        if (response.status === 401 && token) return api(path, false);
        if (response.status === 401) throw {kind: "auth", text: "You are not signed in, or your session has " +
          "expired: sign in to Airflow again and reload this page."};
        if (response.status === 403) throw {kind: "forbidden", text: "You do not have access to this."};
        if (response.status === 404) throw {kind: "missing", text: "Not found."};
        if (!response.ok) throw {kind: "error", text: "The Airflow API server answered " + response.status + "."};
        return response.json();
      });
  }
  function fmtInt(n) { return (n === null || n === undefined) ? "\u2014" : Number(n).toLocaleString("en-US"); }
  function fmtBytes(n) {
    if (n === null || n === undefined) return "\u2014";
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0, v = Number(n);
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? String(v) : v.toFixed(1)) + " " + units[i];
  }
  function fmtSeconds(s) {
    if (s === null || s === undefined) return "\u2014";
    s = Math.round(Number(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    if (h) return h + " h " + m + " min";
    if (m) return m + " min " + r + " s";
    return r + " s";
  }
  function fmtPercent(p) { return (p === null || p === undefined) ? "\u2014" : Number(p).toFixed(1) + " %"; }
  function fmtTime(iso) {
    if (!iso) return "\u2014";
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }
  function bar(percent, testid, small) {
    var p = Math.max(0, Math.min(100, Number(percent) || 0));
    var inner = el("div", {"data-testid": testid + "-fill"});
    inner.style.width = p + "%";
    return el("div", {"class": small ? "bar small" : "bar", role: "progressbar", "aria-valuemin": 0,
      "aria-valuemax": 100, "aria-valuenow": p, "data-testid": testid}, [inner]);
  }
  function table(testid, headers, rows) {
    var head = el("tr", {}, headers.map(function (h) {
      return el("th", {"class": h.num ? "num" : null, text: h.label});
    }));
    return el("table", {"data-testid": testid}, [el("thead", {}, [head]), el("tbody", {}, rows)]);
  }
  // Links to Airflow pages: the tab and the imports page are iframes sandboxed without top
  // navigation, so route the parent (same origin) through its history; else open in the frame.
  function airflowLink(path, attrs, text) {
    var href = basePath() + path;
    var link = el("a", Object.assign({href: href, target: "_top", text: text}, attrs));
    link.addEventListener("click", function (event) {
      try {
        if (window.top !== window && window.top.history && window.top.location.origin === window.location.origin) {
          window.top.history.pushState(null, "", href);
          window.top.dispatchEvent(new PopStateEvent("popstate", {state: null}));
          event.preventDefault();
        }
      } catch (e) { /* cross-origin or blocked: let the link navigate this frame */ }
    });
    return link;
  }
  function replace(node, children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    children.forEach(function (c) { if (c) node.appendChild(c); });
  }
  function message(node, kind, text) {
    document.body.setAttribute("data-state", kind === "info" ? "loading" : "error");
    node.className = "message " + (kind === "info" ? "muted" : "error");
    node.setAttribute("data-kind", kind);
    node.textContent = text;
    node.hidden = false;
  }
  return {el: el, api: api, bar: bar, table: table, replace: replace, message: message, airflowLink: airflowLink,
          fmtInt: fmtInt, fmtBytes: fmtBytes, fmtSeconds: fmtSeconds, fmtPercent: fmtPercent, fmtTime: fmtTime,
          basePath: basePath, safeHref: safeHref};
})();
"""

_TI_JS = r"""
(function () {
  var el = PC.el, msg = document.getElementById("pc-message"), content = document.getElementById("pc-content");
  var refreshNote = document.getElementById("pc-refresh");
  var path = window.location.pathname, at = path.lastIndexOf("/pinecone/ti/");
  var apiPath = "/pinecone/api/ti/" + path.slice(at + "/pinecone/ti/".length);
  var timer = null;

  function row(label, testid, value, cls) {
    return [el("dt", {text: label}), el("dd", {"data-testid": testid, "class": cls || null}, [value])];
  }
  function flat(list) { return [].concat.apply([], list); }

  function importSection(view) {
    var imp = view["import"], nodes = [el("h2", {text: "Bulk import"})];
    if (!imp) {
      nodes.push(el("p", {"class": "muted", "data-testid": "import-waiting",
        text: "The task has not started an import yet."}));
      return el("section", {id: "pc-import", "data-testid": "pinecone-import"}, nodes);
    }
    if (imp.unavailable) {
      nodes.push(el("dl", {}, flat([row("Import id", "import-id", imp.id)])));
      nodes.push(el("p", {"class": "error", "data-testid": "import-unavailable"}, [
        "Pinecone's view of this import is not available: ", imp.unavailable]));
      return el("section", {id: "pc-import", "data-testid": "pinecone-import"}, nodes);
    }
    var phase = imp.phase === "indexing" ? "Indexing (all records loaded; Pinecone is building the index)" : imp.phase;
    nodes.push(el("div", {"class": "status-" + imp.status, "data-testid": "import-status", text: imp.status}));
    nodes.push(PC.bar(imp.percent, "import-progress"));
    var consoleUrl = view.console_url;
    nodes.push(el("dl", {}, flat([
      row("Phase", "import-phase", phase),
      row("Progress", "import-percent", PC.fmtPercent(imp.percent)),
      row("Records imported", "import-records", PC.fmtInt(imp.records_imported)),
      row("Elapsed", "import-elapsed", PC.fmtSeconds(imp.elapsed_s)),
      row("Started", "import-created", PC.fmtTime(imp.created_at)),
      row("Finished", "import-finished", PC.fmtTime(imp.finished_at)),
      row("Import id", "import-id", imp.id),
      row("Source URI", "import-uri", imp.uri || "\u2014"),
      row("Index", "import-index", imp.index || "\u2014"),
      row("Connection", "import-connection", imp.connection || "\u2014"),
      row("Pinecone console", "import-console",
          consoleUrl ? el("a", {href: consoleUrl, target: "_blank", rel: "noopener noreferrer", id: "pc-console-link",
                             "data-testid": "import-console-link", text: "Open the imports in the Pinecone console"})
                  : "\u2014")
    ])));
    if (imp.error) nodes.push(el("div", {"data-testid": "import-error"}, [
      el("h2", {text: "Pinecone's error"}), el("pre", {"class": "errortext error", text: imp.error})]));
    return el("section", {id: "pc-import", "data-testid": "pinecone-import"}, nodes);
  }

  function preflightSection(report) {
    if (!report) return el("section", {id: "pc-preflight", "data-testid": "pinecone-preflight"}, [
      el("p", {"class": "muted", "data-testid": "preflight-waiting",
               text: "No pre-flight report yet: it appears when the check ends."})]);
    var verdict = report.ok ? "The source passed pre-flight" : "The source failed pre-flight";
    var problems = [];
    report.problems.forEach(function (group) {
      var first = true;
      var items = group.problems.length ? group.problems : [{message: "(not listed)", path: null}];
      items.forEach(function (p) {
        problems.push(el("tr", {"data-testid": "preflight-problem-row", "data-code": group.code,
                                "data-severity": group.severity}, [
          el("td", {"class": group.severity, text: first ? group.severity : ""}),
          el("td", {"data-testid": "preflight-problem-code", text: first ? group.code : ""}),
          el("td", {"class": "num", text: first ? PC.fmtInt(group.count) : ""}),
          el("td", {"data-testid": "preflight-problem-message", text: p.message || ""}),
          el("td", {"data-testid": "preflight-problem-file", text: p.path || ""})]));
        first = false;
      });
    });
    var namespaces = report.namespaces.map(function (ns) {
      return el("tr", {"data-testid": "preflight-namespace-row", "data-namespace": ns.namespace}, [
        el("td", {text: ns.namespace}), el("td", {"class": "num", text: PC.fmtInt(ns.files)}),
        el("td", {"class": "num", text: PC.fmtInt(ns.rows)}), el("td", {"class": "num", text: PC.fmtBytes(ns.bytes)})]);
    });
    namespaces.push(el("tr", {"data-testid": "preflight-namespace-total"}, [
      el("th", {text: "Total"}), el("th", {"class": "num", text: PC.fmtInt(report.total_files)}),
      el("th", {"class": "num", text: PC.fmtInt(report.total_rows)}),
      el("th", {"class": "num", text: PC.fmtBytes(report.total_bytes)})]));
    return el("section", {id: "pc-preflight", "data-testid": "pinecone-preflight"}, [
      el("h2", {text: "Pre-flight report"}),
      el("div", {"class": report.ok ? "ok" : "bad", "data-testid": "preflight-verdict", text: verdict}),
      el("dl", {}, flat([
        row("Source URI", "preflight-uri", report.uri || "\u2014"),
        row("Errors", "preflight-errors", PC.fmtInt(report.errors)),
        row("Warnings", "preflight-warnings", PC.fmtInt(report.warnings)),
        row("Index type", "preflight-index-type", report.index_type || "\u2014"),
        row("Rows sampled", "preflight-sampled", PC.fmtInt(report.sampled_rows)),
        row("Cost", "preflight-cost",
            PC.fmtInt(report.requests) + " requests, " + PC.fmtBytes(report.bytes_read) + " read")])),
      el("h2", {text: "Errors and warnings"}),
      problems.length ? PC.table("preflight-problems", [{label: "Severity"}, {label: "Code"},
        {label: "Count", num: true}, {label: "Message"}, {label: "File"}], problems)
        : el("p", {"class": "ok", "data-testid": "preflight-no-problems", text: "None."}),
      el("h2", {text: "Namespaces"}),
      PC.table("preflight-namespaces", [{label: "Namespace"}, {label: "Files", num: true}, {label: "Rows", num: true},
        {label: "Bytes", num: true}], namespaces)]);
  }

  function upsertSection(summary) {
    if (!summary) return el("section", {id: "pc-upsert", "data-testid": "pinecone-upsert"}, [
      el("p", {"class": "muted", "data-testid": "upsert-waiting",
               text: "No summary yet: it appears when the load ends (progress is in the task log)."})]);
    var namespaces = Object.keys(summary.upserted).map(function (ns) {
      return el("tr", {"data-testid": "upsert-namespace-row", "data-namespace": ns}, [
        el("td", {text: ns === "" ? "(default)" : ns}),
        el("td", {"class": "num", text: PC.fmtInt(summary.upserted[ns])})]);
    });
    var skipped = Object.keys(summary.skipped).map(function (reason) {
      return el("tr", {"data-testid": "upsert-skipped-row", "data-reason": reason}, [
        el("td", {text: reason}), el("td", {"class": "num", text: PC.fmtInt(summary.skipped[reason])})]);
    });
    var verified = summary.verified === null ? "not asked" : (summary.verified ? "yes" : "no");
    return el("section", {id: "pc-upsert", "data-testid": "pinecone-upsert"}, [
      el("h2", {text: "Upsert summary"}),
      el("dl", {}, flat([
        row("Records upserted", "upsert-total", PC.fmtInt(summary.upserted_total)),
        row("Records skipped", "upsert-skipped-total", PC.fmtInt(summary.skipped_total)),
        row("Requests", "upsert-requests", PC.fmtInt(summary.requests)),
        row("Throttled and resent", "upsert-throttled", PC.fmtInt(summary.throttled_retries)),
        row("Time", "upsert-seconds", PC.fmtSeconds(summary.seconds)),
        row("Rate", "upsert-rate", PC.fmtInt(summary.records_per_second) + " records/s"),
        row("Row groups resumed", "upsert-resumed", PC.fmtInt(summary.resumed_row_groups)),
        row("Verified", "upsert-verified", verified)])),
      el("h2", {text: "Per namespace"}),
      PC.table("upsert-namespaces", [{label: "Namespace"}, {label: "Records", num: true}], namespaces),
      skipped.length ? el("h2", {text: "Skipped"}) : null,
      skipped.length ? PC.table("upsert-skipped", [{label: "Reason"}, {label: "Records", num: true}], skipped) : null]);
  }

  function render(view) {
    document.body.setAttribute("data-kind", view.kind);
    var task = view.task, nodes = [];
    nodes.push(el("p", {"class": "muted", "data-testid": "ti-summary"}, [
      "Task ", el("b", {"data-testid": "ti-task-id", text: task.task_id}),
      task.map_index >= 0 ? " [" + task.map_index + "]" : "",
      " \u2014 state ", el("b", {"data-testid": "ti-state", text: task.state || "none"})]));
    if (view.kind === "import") nodes.push(importSection(view));
    else if (view.kind === "preflight") nodes.push(preflightSection(view.preflight));
    else if (view.kind === "upsert") nodes.push(upsertSection(view.upsert));
    else nodes.push(el("p", {id: "pc-nothing", "data-testid": "pinecone-nothing",
      text: "Nothing to show: this task does not import, check or load Pinecone data."}));
    PC.replace(content, nodes);
    msg.hidden = true;
    document.body.setAttribute("data-state", "ready");
    refreshNote.textContent = view.refresh ? "Refreshing every " + view.poll_seconds + " s while the task runs." : "";
    refreshNote.setAttribute("data-refreshing", view.refresh ? "true" : "false");
    if (view.refresh) timer = window.setTimeout(load, view.poll_seconds * 1000);
  }

  function load() {
    timer = null;
    PC.api(apiPath).then(render, function (failure) {
      var text = failure && failure.text ? failure.text : "Could not load this task's Pinecone data.";
      PC.message(msg, failure && failure.kind ? failure.kind : "error", text);
      // A network hiccup while the task runs: try again; a refusal is final.
      if (!failure || failure.kind === "error" || failure.kind === undefined) timer = window.setTimeout(load, 5000);
    });
  }
  load();
})();
"""

_IMPORTS_JS = r"""
(function () {
  var el = PC.el, msg = document.getElementById("pc-message");
  var connSelect = document.getElementById("pc-filter-connection");
  var indexSelect = document.getElementById("pc-filter-index");
  var body = document.getElementById("pc-imports-body"), info = document.getElementById("pc-page-info");
  var prev = document.getElementById("pc-prev"), next = document.getElementById("pc-next");
  var errorsBox = document.getElementById("pc-errors"), empty = document.getElementById("pc-empty");
  var state = {page: 1, pages: 1, connection: "", index: ""}, timer = null;

  function options(select, values, current, allLabel) {
    var nodes = [el("option", {value: "", text: allLabel})];
    values.forEach(function (v) { nodes.push(el("option", {value: v, text: v})); });
    if (current && values.indexOf(current) < 0) nodes.push(el("option", {value: current, text: current}));
    PC.replace(select, nodes);
    select.value = current;
  }

  function importRow(imp) {
    var task = imp.task ? PC.airflowLink(imp.task.path, {"data-testid": "import-task-link"},
        imp.task.dag_id + " / " + imp.task.task_id +
        (imp.task.map_index >= 0 ? " [" + imp.task.map_index + "]" : "") + " / " + imp.task.run_id)
      : el("span", {"class": "muted", text: "\u2014 (no task of this Airflow)"});
    var status = el("span", {"class": "status-" + imp.status,
                             text: imp.status + (imp.phase === "indexing" ? " (indexing)" : "")});
    return el("tr", {"data-testid": "import-row", "data-import-id": imp.id, "data-status": imp.status}, [
      el("td", {"data-testid": "import-status"}, [status]),
      el("td", {"data-testid": "import-progress"},
         [PC.bar(imp.percent, "import-progress-bar", true), PC.fmtPercent(imp.percent)]),
      el("td", {"class": "num", "data-testid": "import-records", text: PC.fmtInt(imp.records_imported)}),
      el("td", {"class": "num", "data-testid": "import-duration", text: PC.fmtSeconds(imp.elapsed_s)}),
      el("td", {"data-testid": "import-created", text: PC.fmtTime(imp.created_at)}),
      el("td", {"data-testid": "import-index", text: imp.index}),
      el("td", {"data-testid": "import-connection", text: imp.connection}),
      el("td", {"data-testid": "import-uri", text: imp.uri || "\u2014"}),
      el("td", {"data-testid": "import-task"}, [task]),
      el("td", {"data-testid": "import-error", "class": "error", text: imp.error || ""}),
      el("td", {"data-testid": "import-id", "class": "muted", text: imp.id})]);
  }

  function render(view) {
    state.page = view.page; state.pages = view.pages;
    options(connSelect, view.connections, state.connection, "All connections");
    options(indexSelect, view.indexes, state.index, "All indexes");
    PC.replace(body, view.imports.map(importRow));
    empty.hidden = view.imports.length > 0;
    info.textContent = "Page " + view.page + " of " + view.pages + " \u2014 " + PC.fmtInt(view.total) + " imports, " +
      PC.fmtInt(view.running) + " running";
    info.setAttribute("data-page", view.page);
    info.setAttribute("data-pages", view.pages);
    info.setAttribute("data-total", view.total);
    prev.disabled = view.page <= 1; next.disabled = view.page >= view.pages;
    PC.replace(errorsBox, view.errors.map(function (e) {
      return el("li", {"data-testid": "imports-error", "data-connection": e.connection},
                [el("b", {text: e.connection}), ": ", e.error]);
    }));
    msg.hidden = true;
    document.body.setAttribute("data-state", "ready");
    if (view.running > 0) timer = window.setTimeout(load, view.poll_seconds * 1000);
  }

  function load() {
    if (timer) { window.clearTimeout(timer); timer = null; }
    var query = new URLSearchParams({page: String(state.page)});
    if (state.connection) query.set("conn_id", state.connection);
    if (state.index) query.set("index", state.index);
    PC.api("/pinecone/api/imports?" + query.toString()).then(render, function (failure) {
      PC.message(msg, failure && failure.kind ? failure.kind : "error",
                 failure && failure.text ? failure.text : "Could not load the imports.");
    });
  }
  connSelect.addEventListener("change", function () { state.connection = connSelect.value; state.page = 1; load(); });
  indexSelect.addEventListener("change", function () { state.index = indexSelect.value; state.page = 1; load(); });
  prev.addEventListener("click", function () { if (state.page > 1) { state.page -= 1; load(); } });
  next.addEventListener("click", function () { if (state.page < state.pages) { state.page += 1; load(); } });
  load();
})();
"""

_TI_BODY = """
<p id="pc-message" class="message muted" data-testid="pinecone-message" data-kind="info">Loading…</p>
<div id="pc-content" data-testid="pinecone-content"></div>
<p id="pc-refresh" class="muted" data-testid="pinecone-refresh" data-refreshing="false"></p>
"""

_IMPORTS_BODY = """
<h2>Pinecone imports</h2>
<div class="filters">
  <label>Connection <select id="pc-filter-connection" data-testid="imports-filter-connection"></select></label>
  <label>Index <select id="pc-filter-index" data-testid="imports-filter-index"></select></label>
</div>
<p id="pc-message" class="message muted" data-testid="pinecone-message" data-kind="info">Loading…</p>
<ul id="pc-errors" data-testid="imports-errors" class="error"></ul>
<table id="pc-imports" data-testid="imports-table">
  <thead><tr><th>Status</th><th>Progress</th><th class="num">Records</th><th class="num">Duration</th><th>Started</th>
  <th>Index</th><th>Connection</th><th>Source URI</th><th>Task</th><th>Error</th><th>Import id</th></tr></thead>
  <tbody id="pc-imports-body" data-testid="imports-body"></tbody>
</table>
<p id="pc-empty" class="muted" data-testid="imports-empty" hidden>No imports to show.</p>
<div class="pager">
  <button type="button" id="pc-prev" data-testid="imports-prev" disabled>Previous</button>
  <span id="pc-page-info" data-testid="imports-page-info"></span>
  <button type="button" id="pc-next" data-testid="imports-next" disabled>Next</button>
</div>
"""


def _page(title: str, body: str, script: str) -> tuple[str, str]:
    """The page, and the CSP source that allows exactly its script."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    html = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_CSS}</style></head>"
        f'<body data-state="loading">{body}<script>{script}</script></body></html>\n'
    )
    return html, f"'sha256-{digest}'"


TI_PAGE, _TI_SCRIPT_SOURCE = _page("Pinecone", _TI_BODY, _COMMON_JS + _TI_JS)
IMPORTS_PAGE, _IMPORTS_SCRIPT_SOURCE = _page("Pinecone imports", _IMPORTS_BODY, _COMMON_JS + _IMPORTS_JS)


def security_headers(script_source: str) -> dict[str, str]:
    """Headers of an HTML page: only its own script runs, it fetches only from this origin."""
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src {script_source}; style-src 'unsafe-inline'; connect-src 'self'; "
            "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


TI_HEADERS = security_headers(_TI_SCRIPT_SOURCE)
IMPORTS_HEADERS = security_headers(_IMPORTS_SCRIPT_SOURCE)
