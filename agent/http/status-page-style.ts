/**
 * The status page's style sheet: system fonts, light and dark, tables on a laptop that become one card
 * per object on a phone. Readiness is shown by a word and a symbol as well as a colour.
 */
export const STATUS_PAGE_STYLE = `:root {
  --bg: #f7f7f5; --fg: #1d1d1f; --muted: #5c5c66; --card: #ffffff; --line: #d9d9de;
  --ok: #166534; --ok-bg: #dcfce7; --bad: #991b1b; --bad-bg: #fee2e2; --unk: #854d0e; --unk-bg: #fef3c7;
  --link: #1d4ed8;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #16161a; --fg: #ececf1; --muted: #a1a1aa; --card: #1f1f25; --line: #34343c;
    --ok: #86efac; --ok-bg: #14301f; --bad: #fca5a5; --bad-bg: #3b1515; --unk: #fcd34d; --unk-bg: #3a2e0b;
    --link: #93c5fd;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--link); }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; }
.skip:focus { left: 0; z-index: 1; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .5rem 1rem; padding: 1rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--card); }
h1 { margin: 0; font-size: 1.3rem; }
h1 .ns { font-weight: 400; color: var(--muted); font-size: 1rem; margin-left: .4rem; }
h1 .ns strong { color: var(--fg); }
h2 { font-size: 1.05rem; margin: 1.6rem 0 .5rem; }
.connection { margin: 0; font-size: .9rem; color: var(--muted); }
.connection::before { content: "●"; margin-right: .35rem; }
.connection[data-state="live"]::before { color: var(--ok); }
.connection[data-state="polling"]::before { color: var(--unk); }
.connection[data-state="connecting"]::before, .connection[data-state="offline"]::before { color: var(--bad); }
main { max-width: 80rem; margin: 0 auto; padding: .5rem 1.25rem 2rem; }
.summary { font-size: 1rem; margin: 1rem 0 0; }
.empty { color: var(--muted); margin: 0; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
caption { text-align: left; }
th, td { text-align: left; vertical-align: top; padding: .5rem .65rem; border-bottom: 1px solid var(--line); }
thead th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); font-weight: 600; }
tbody tr:last-child > * { border-bottom: 0; }
tbody th { font-weight: 600; }
.kind { color: var(--muted); font-size: .85rem; display: block; font-weight: 400; }
.revision, .ref { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; word-break: break-all; }
.message { white-space: pre-wrap; word-break: break-word; max-width: 40rem; }
.from { color: var(--muted); font-size: .85rem; font-weight: 400; display: block; word-break: break-all; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; white-space: nowrap; }
.badge[data-ready="True"] { color: var(--ok); background: var(--ok-bg); }
.badge[data-ready="False"] { color: var(--bad); background: var(--bad-bg); }
.badge[data-ready="Unknown"] { color: var(--unk); background: var(--unk-bg); }
.badge[data-type="Warning"] { color: var(--bad); background: var(--bad-bg); }
.badge[data-type="Normal"] { color: var(--muted); background: transparent; border: 1px solid var(--line); }
.suspended { display: block; font-size: .8rem; color: var(--muted); margin-top: .2rem; }
time { white-space: nowrap; }
details { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .75rem; margin-bottom: .5rem; }
summary { cursor: pointer; font-weight: 600; }
summary .count { font-weight: 400; color: var(--muted); }
ul.tree { list-style: none; margin: .25rem 0 0; padding-left: 1rem; border-left: 1px solid var(--line); }
ul.tree li { padding: .1rem 0 .1rem .5rem; }
details > ul.tree { border-left: 0; padding-left: .25rem; }
.bottom { color: var(--muted); font-size: .85rem; text-align: center; padding: 1rem; }
@media (max-width: 720px) {
  body { font-size: 16px; }
  main { padding: .25rem .75rem 1.5rem; }
  table, tbody, tr, th, td { display: block; width: 100%; }
  table { border: 0; background: transparent; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tbody tr { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin-bottom: .75rem; padding: .25rem 0; }
  tbody tr > * { border-bottom: 0; padding: .3rem .75rem; }
  tbody td[data-label]::before { content: attr(data-label); display: block; font-size: .75rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
  .message { max-width: none; }
}
`;
