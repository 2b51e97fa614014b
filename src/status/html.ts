/**
 * The HTML shell shared by the status page and the monthly report: escaping, one inline
 * stylesheet and script carrying a per-response nonce, and the Content-Security-Policy that
 * allows exactly those (no external origin, no inline attribute styles, no eval). Light and
 * dark follow `prefers-color-scheme`; the layout is one column that fits a phone. The policy is
 * also in a <meta> tag, so that a saved report opened from disk keeps it.
 */
import { randomBytes } from 'node:crypto';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML and XML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Everything off but what the page carries inline, under this nonce. `frame-ancestors` only
 * works as a header (browsers log an error for it in a <meta> tag), so the meta copy omits it.
 */
export function contentSecurityPolicy(nonce: string, meta = false): string {
  const directives = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ];
  if (!meta) directives.push("frame-ancestors 'none'");
  return directives.join('; ');
}

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--mute:#5b6470;--card:#f5f7f9;--line:#d8dde3;
--ok:#2f9e44;--minor:#e8a200;--major:#d63939;--nodata:#c5cbd3;--maint:#3b6fd8;--broke:#9b3fd0;--accent:#1864ab}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--fg:#e6e9ed;--mute:#9aa4af;--card:#181d23;--line:#2c333c;
--nodata:#3a424c;--accent:#74b0f0}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:960px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2em 0}h2{font-size:1.2rem;margin:1.6em 0 .5em}h3{font-size:1rem;margin:.2em 0}
.banner{padding:14px 16px;border-radius:8px;font-weight:600;color:#fff;background:var(--ok)}
.banner.minor{background:var(--minor);color:#111}.banner.major{background:#e8590c}.banner.critical{background:var(--major)}
.meta,.mute{color:var(--mute);font-size:.85rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:10px 0}
.row{display:flex;justify-content:space-between;gap:12px;align-items:baseline;flex-wrap:wrap}
.state{font-weight:600}.state.operational{color:var(--ok)}.state.under_maintenance{color:var(--maint)}
.state.degraded_performance{color:var(--minor)}.state.partial_outage{color:#e8590c}.state.major_outage{color:var(--major)}
svg{display:block;width:100%}svg.bars{height:44px}svg.chart{height:auto;aspect-ratio:400/170;max-height:260px}
.bar.ok{fill:var(--ok)}.bar.minor{fill:var(--minor)}.bar.major{fill:var(--major)}.bar.nodata{fill:var(--nodata)}
.bar:hover{stroke:var(--fg);stroke-width:1}
.maint.met{fill:var(--maint)}.maint.broke{fill:var(--broke)}
.grid{stroke:var(--line);stroke-width:1}.axis{fill:var(--mute);font-size:11px}
.ideal{stroke:var(--mute);stroke-dasharray:5 4;stroke-width:1.5}.limit{stroke:var(--major);stroke-width:1}
.line{fill:none;stroke:var(--accent);stroke-width:2}.dot{fill:var(--accent)}.dot.over{fill:var(--major)}
.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:.8rem;color:var(--mute);margin:4px 0}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.sw.ok{background:var(--ok)}.sw.minor{background:var(--minor)}.sw.major{background:var(--major)}.sw.nodata{background:var(--nodata)}
.sw.met{background:var(--maint)}.sw.broke{background:var(--broke)}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}
ol.updates{margin:.4em 0 0;padding-left:1.2em}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:10px}
#tip{position:fixed;pointer-events:none;background:var(--fg);color:var(--bg);padding:4px 8px;border-radius:4px;font-size:.8rem;max-width:320px;display:none;z-index:9}
a{color:var(--accent)}
@media print{.banner{color:#000;border:1px solid #000}}
`;

/**
 * Tooltips for the bars (the SVG <title> is the no-script fallback) and, for the live page,
 * a reload every `refresh` seconds while the tab is visible.
 */
const SCRIPT = `(function(){var tip=document.getElementById('tip');
function show(e){var t=e.target,n=t.classList&&t.classList.contains('bar')&&t.querySelector('title');if(!n)return;tip.textContent=n.textContent;
var r=t.getBoundingClientRect();tip.style.display='block';var x=Math.min(window.innerWidth-tip.offsetWidth-4,Math.max(4,r.left-tip.offsetWidth/2));
tip.style.left=x+'px';tip.style.top=Math.max(4,r.top-tip.offsetHeight-6)+'px';}
function hide(){tip.style.display='none';}
document.addEventListener('mouseover',show);document.addEventListener('mouseout',hide);
var s=Number(document.body.getAttribute('data-refresh'));if(s>0)setInterval(function(){if(!document.hidden)location.reload();},s*1000);})();`;

export interface DocumentOptions {
  readonly title: string;
  readonly nonce: string;
  /** Seconds between reloads of the live page; 0 for a document (the report). */
  readonly refreshSeconds: number;
  readonly body: string;
}

export function htmlDocument(o: DocumentOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(o.nonce, true)}">
<link rel="icon" href="data:,">
<title>${esc(o.title)}</title>
<style nonce="${o.nonce}">${CSS}</style>
</head>
<body data-refresh="${o.refreshSeconds}">
<main>
${o.body}
</main>
<div id="tip" role="tooltip"></div>
<script nonce="${o.nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
