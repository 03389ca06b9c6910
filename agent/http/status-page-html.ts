/**
 * The status page's HTML: landmarks, headings and empty regions the script fills in. Kept as a string
 * so `bun build --compile` carries it; it holds no data, so nothing in it needs escaping.
 */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>rivulet status</title>
<link rel="stylesheet" href="style.css">
<script src="app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <h1>rivulet <span class="ns">namespace <strong id="namespace">…</strong></span></h1>
  <p id="connection" class="connection" data-state="connecting" role="status">Connecting…</p>
</header>
<main id="main">
  <p id="summary" class="summary" aria-live="polite" aria-atomic="true">Loading…</p>
  <p id="announce" class="visually-hidden" aria-live="polite"></p>
  <section aria-labelledby="h-sources">
    <h2 id="h-sources">Sources</h2>
    <div id="sources"></div>
  </section>
  <section aria-labelledby="h-appliers">
    <h2 id="h-appliers">Kustomizations and Helm releases</h2>
    <div id="appliers"></div>
  </section>
  <section aria-labelledby="h-images">
    <h2 id="h-images">Image automation</h2>
    <div id="images"></div>
  </section>
  <section aria-labelledby="h-inventories">
    <h2 id="h-inventories">Inventories</h2>
    <div id="inventories"></div>
  </section>
  <section aria-labelledby="h-events">
    <h2 id="h-events">Last events</h2>
    <div id="events"></div>
  </section>
</main>
<footer class="bottom">
  <p>Read-only view of the agent's own caches. Updates arrive by themselves; no need to reload.</p>
</footer>
<noscript><p>This page needs JavaScript to show the objects; the same data is at <a href="api/objects">api/objects</a> and <a href="api/events">api/events</a>.</p></noscript>
</body>
</html>
`;
