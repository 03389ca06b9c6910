/**
 * The status page's script (plain browser JavaScript, no build step): reads api/objects and api/events,
 * then follows api/stream (server-sent events), falling back to polling when the stream keeps failing.
 * Every value goes into the page through textContent or an attribute, never as markup, so a message
 * holding "<script>" shows as text. Changes of readiness are announced in a polite live region.
 * Written without template literals or backslashes so it can live in this string as it is.
 */
export const STATUS_PAGE_SCRIPT = `"use strict";
(function () {
  var GROUPS = [
    { id: "sources", kinds: ["GitRepository", "OCIRepository", "Bucket", "HelmRepository", "HelmChart"], label: "sources" },
    { id: "appliers", kinds: ["Kustomization", "HelmRelease"], label: "Kustomizations or Helm releases" },
    { id: "images", kinds: ["ImageRepository", "ImagePolicy", "ImageUpdateAutomation"], label: "image automation objects" },
  ];
  var READY_TEXT = { True: "✓ Ready", False: "✗ Failed", Unknown: "… Unknown" };
  var POLL_MS = 5000;
  var last = null;
  var openTrees = {};
  var pollTimer = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, String(attrs[k]));
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function ago(iso) {
    if (!iso) return "never";
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    return Math.floor(s / 86400) + " d ago";
  }

  function timeCell(iso) {
    if (!iso) return el("span", null, ["never"]);
    return el("time", { datetime: iso, title: new Date(iso).toLocaleString() }, [ago(iso)]);
  }

  /** A digest shortened to 12 hex digits for reading; the full revision stays in the title. */
  function shortRevision(rev) {
    return rev.replace(/(sha1|sha256|sha384|sha512):([0-9a-f]{12})[0-9a-f]+/g, "$1:$2…");
  }

  function readyBadge(row) {
    return el("span", { class: "badge", "data-ready": row.ready }, [READY_TEXT[row.ready] || row.ready]);
  }

  function objectTable(group, rows) {
    var head = el("tr", null, ["Name", "Ready", "Revision", "Last reconcile", "Message"].map(function (h) {
      return el("th", { scope: "col" }, [h]);
    }));
    var body = el("tbody", null, rows.map(function (r) {
      var ready = el("td", { "data-label": "Ready", class: "ready" }, [readyBadge(r), r.suspended ? el("span", { class: "suspended" }, ["⏸ suspended"]) : null]);
      return el("tr", { "data-kind": r.kind, "data-name": r.name, "data-ready": r.ready }, [
        el("th", { scope: "row" }, [el("span", { class: "kind" }, [r.kind]), r.name, r.from ? el("span", { class: "from" }, [r.from]) : null]),
        ready,
        el("td", { "data-label": "Revision", class: "revision", title: r.revision || null }, [r.revision ? shortRevision(r.revision) : "—"]),
        el("td", { "data-label": "Last reconcile" }, [timeCell(r.lastReconcile)]),
        el("td", { "data-label": "Message", class: "message" }, [r.reason ? r.reason + ": " : "", r.message]),
      ]);
    }));
    return el("table", null, [el("caption", { class: "visually-hidden" }, [group.label]), el("thead", null, [head]), body]);
  }

  function treeList(nodes) {
    return el("ul", { class: "tree" }, nodes.map(function (n) {
      return el("li", null, [el("span", { class: "ref" }, [n.ref]), n.children && n.children.length ? treeList(n.children) : null]);
    }));
  }

  function countNodes(nodes) {
    return nodes.reduce(function (n, c) { return n + 1 + (c.children ? countNodes(c.children) : 0); }, 0);
  }

  function inventories(rows) {
    var ks = rows.filter(function (r) { return r.kind === "Kustomization"; });
    if (!ks.length) return el("p", { class: "empty" }, ["No Kustomizations."]);
    return el("div", null, ks.map(function (r) {
      var inv = r.inventory || [];
      var d = el("details", { "data-name": r.name }, [
        el("summary", null, ["Kustomization/" + r.name + " ", el("span", { class: "count" }, ["(" + inv.length + (inv.length === 1 ? " object" : " objects") + ")"])]),
        inv.length ? treeList(inv) : el("p", { class: "empty" }, ["Nothing applied yet."]),
      ]);
      if (openTrees[r.name]) d.open = true;
      d.addEventListener("toggle", function () { openTrees[r.name] = d.open; });
      return d;
    }));
  }

  function eventsTable(events) {
    if (!events.length) return el("p", { class: "empty" }, ["No events since the agent started."]);
    var head = el("tr", null, ["Time", "Type", "Object", "Reason", "Message"].map(function (h) { return el("th", { scope: "col" }, [h]); }));
    var body = el("tbody", null, events.map(function (e) {
      return el("tr", { "data-type": e.type }, [
        el("td", { "data-label": "Time" }, [timeCell(e.time)]),
        el("td", { "data-label": "Type" }, [el("span", { class: "badge", "data-type": e.type }, [e.type === "Warning" ? "⚠ Warning" : "Normal"])]),
        el("th", { scope: "row", class: "ref" }, [e.object]),
        el("td", { "data-label": "Reason" }, [e.reason]),
        el("td", { "data-label": "Message", class: "message" }, [e.message, e.count > 1 ? " (×" + e.count + ")" : ""]),
      ]);
    }));
    return el("table", null, [el("caption", { class: "visually-hidden" }, ["Last events, newest first"]), el("thead", null, [head]), body]);
  }

  function replace(id, node) {
    var host = document.getElementById(id);
    host.replaceChildren(node);
  }

  function announce(prev, next) {
    if (!prev) return;
    var before = {};
    prev.objects.forEach(function (r) { before[r.kind + "/" + r.name] = r.ready; });
    var changes = next.objects.filter(function (r) {
      var b = before[r.kind + "/" + r.name];
      return b !== undefined && b !== r.ready;
    }).map(function (r) { return r.kind + "/" + r.name + " is now " + (READY_TEXT[r.ready] || r.ready).slice(2); });
    if (changes.length) document.getElementById("announce").textContent = changes.join(". ");
  }

  function render(snap) {
    announce(last, snap);
    last = snap;
    document.getElementById("namespace").textContent = snap.namespace;
    document.title = "rivulet status: " + snap.namespace;
    GROUPS.forEach(function (g) {
      var rows = snap.objects.filter(function (r) { return g.kinds.indexOf(r.kind) >= 0; });
      replace(g.id, rows.length ? objectTable(g, rows) : el("p", { class: "empty" }, ["No " + g.label + "."]));
    });
    replace("inventories", inventories(snap.objects));
    replace("events", eventsTable(snap.events));
    var n = { True: 0, False: 0, Unknown: 0 };
    snap.objects.forEach(function (r) { n[r.ready] = (n[r.ready] || 0) + 1; });
    document.getElementById("summary").textContent = snap.objects.length + (snap.objects.length === 1 ? " object: " : " objects: ") +
      n.True + " ready, " + n.False + " failed, " + n.Unknown + " unknown.";
  }

  function setConnection(state, text) {
    var c = document.getElementById("connection");
    c.setAttribute("data-state", state);
    c.textContent = text;
  }

  function load() {
    return Promise.all([fetch("api/objects"), fetch("api/events")]).then(function (rs) {
      if (!rs[0].ok || !rs[1].ok) throw new Error("HTTP " + rs[0].status + "/" + rs[1].status);
      return Promise.all([rs[0].json(), rs[1].json()]);
    }).then(function (js) {
      render({ namespace: js[0].namespace, objects: js[0].objects, events: js[1].events });
    });
  }

  function poll() {
    if (pollTimer) return;
    setConnection("polling", "Polling every " + POLL_MS / 1000 + " s");
    pollTimer = setInterval(function () {
      load().then(function () { setConnection("polling", "Polling every " + POLL_MS / 1000 + " s"); }, function () { setConnection("offline", "Agent unreachable, retrying"); });
    }, POLL_MS);
  }

  function follow() {
    if (!window.EventSource) return poll();
    var failures = 0;
    var es = new EventSource("api/stream");
    es.addEventListener("open", function () { failures = 0; setConnection("live", "Live"); });
    es.addEventListener("snapshot", function (m) { render(JSON.parse(m.data)); });
    es.addEventListener("error", function () {
      failures++;
      setConnection("connecting", "Reconnecting…");
      if (failures >= 3) { es.close(); poll(); }
    });
  }

  function start() {
    load().catch(function () { setConnection("offline", "Agent unreachable, retrying"); }).then(follow);
    // Relative times ("2 min ago") age without new data.
    setInterval(function () { if (last) render(last); }, 30000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
`;
