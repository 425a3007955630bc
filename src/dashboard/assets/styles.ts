/**
 * The dashboard's stylesheet, served at `<path>/assets/app.css`.
 * @module
 */

export const STYLES = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#1f2328;--muted:#656d76;--line:#e3e6ea;--accent:#2f6f3e;--accent-2:#3f8f52;
--ok:#1a7f37;--ok-bg:#dcf5e3;--bad:#c4242e;--bad-bg:#ffe7e6;--warn:#9a6700;--warn-bg:#fff3c4;--run:#0a5fd1;--run-bg:#dcecff;
--idle:#57606a;--idle-bg:#eceff2;--off:#6e5494;--off-bg:#efe9f7;--done:#0e7c86;--done-bg:#d8f3f4;
--mono:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,monospace;color-scheme:light}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#171b21;--ink:#e6e9ed;--muted:#939ba5;--line:#2a3039;--accent:#6cc180;--accent-2:#84d196;
--ok:#5fd07d;--ok-bg:#163523;--bad:#ff7b72;--bad-bg:#3d1719;--warn:#e3b341;--warn-bg:#3a2d0c;--run:#6cb6ff;--run-bg:#12284a;--idle:#a3acb6;--idle-bg:#262c33;
--off:#c5a8f5;--off-bg:#2b2140;--done:#5ad3dc;--done-bg:#0f3336;color-scheme:dark}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;-webkit-font-smoothing:antialiased}
body{margin:0}
a{color:var(--run);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:var(--mono);font-size:12.5px}
.top{display:flex;align-items:center;gap:24px;padding:10px 28px;background:var(--card);border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}
.brand{font-weight:700;font-size:16px;color:var(--ink);letter-spacing:.2px}.brand:hover{text-decoration:none}
.leaf{color:var(--accent)}
nav{display:flex;gap:4px;flex-wrap:wrap}
nav a{color:var(--muted);padding:6px 11px;border-radius:7px;font-weight:500}
nav a:hover{background:var(--bg);color:var(--ink);text-decoration:none}
nav a[aria-current=page]{background:var(--accent);color:#fff}
.right{margin-left:auto;display:flex;align-items:center;gap:14px}
.right form{margin:0}
.facts{color:var(--muted);font-size:12.5px}
.live{font-size:12px;color:var(--muted);display:inline-flex;align-items:center;gap:6px}
.live::before{content:"";width:8px;height:8px;border-radius:50%;background:var(--idle)}
.live.on::before{background:var(--ok);box-shadow:0 0 0 3px var(--ok-bg)}
.live.off::before{background:var(--bad)}
main{max-width:1320px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:22px;margin:0 0 4px;font-weight:650;letter-spacing:-.2px}
h2{font-size:15px;margin:0 0 12px;font-weight:620}
h3{font-size:13px;margin:16px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.5px}
.head{display:flex;align-items:flex-end;justify-content:space-between;gap:20px;flex-wrap:wrap;margin-bottom:16px}
.head p{margin:0}
.muted{color:var(--muted)}.small{font-size:12.5px}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 20px;margin-bottom:18px;box-shadow:0 1px 2px rgba(0,0,0,.03)}
.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:18px}
.two .card{margin-bottom:0}.two{margin-bottom:18px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:18px}
.grid .card{margin:0}
button,.button{font:inherit;font-weight:550;border:1px solid var(--line);background:var(--card);color:var(--ink);padding:6px 14px;border-radius:8px;cursor:pointer;display:inline-block}
button:hover,.button:hover{border-color:var(--muted);text-decoration:none}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}button.primary:hover{background:var(--accent-2)}
button.danger{color:var(--bad);border-color:color-mix(in srgb,var(--bad) 45%,var(--line))}button.danger:hover{background:var(--bad-bg)}
button.ghost,.button.ghost{background:transparent}
button.small{padding:3px 10px;font-size:12.5px}
input,select,textarea{font:inherit;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 9px}
input:focus,select:focus,textarea:focus,button:focus-visible{outline:2px solid color-mix(in srgb,var(--run) 60%,transparent);outline-offset:1px}
textarea{width:100%;font-family:var(--mono);font-size:13px;resize:vertical}
label{color:var(--muted);font-size:12.5px;font-weight:550}
.counts{display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center;margin:0 0 12px;font-size:13px}.counts a{color:var(--ink)}.counts a:hover{text-decoration:none;opacity:.8}
.filters{display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.filters label{display:flex;align-items:center;gap:6px}
table.tasks{width:100%;border-collapse:separate;border-spacing:0;background:var(--card);border:1px solid var(--line);border-radius:12px;overflow:hidden;margin-bottom:10px}
.card table.tasks{border:none;border-radius:0}
table.tasks th{text-align:left;font-size:11.5px;font-weight:600;text-transform:uppercase;letter-spacing:.5px;color:var(--muted);background:color-mix(in srgb,var(--bg) 60%,var(--card));padding:9px 12px;border-bottom:1px solid var(--line)}
table.tasks td{padding:9px 12px;border-bottom:1px solid var(--line);vertical-align:middle}
table.tasks tr:last-child td{border-bottom:none}
table.tasks tbody tr:hover td{background:color-mix(in srgb,var(--run-bg) 35%,var(--card))}
.num{text-align:right;font-variant-numeric:tabular-nums}
.empty{text-align:center;color:var(--muted);padding:36px!important}
.name{font-weight:560;color:var(--ink)}
.id{color:var(--run)}
code.input{color:var(--muted);white-space:nowrap}
td.outcome{max-width:0;width:26%}
.outcome>*{display:inline-block;max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:middle}.outcome>.progress{max-width:none}.due{color:var(--muted);margin-right:8px;font-size:12.5px}
td time,td .id,td code{white-space:nowrap}
code.input{display:inline-block;max-width:17vw;overflow:hidden;text-overflow:ellipsis;vertical-align:middle}
.err{color:var(--bad)}.bad-text{color:var(--bad)}.warn-text{color:var(--warn)}
.badge{display:inline-block;font-size:11px;font-weight:650;letter-spacing:.4px;padding:2px 8px;border-radius:999px;white-space:nowrap}
.badge.ok{color:var(--ok);background:var(--ok-bg)}.badge.bad{color:var(--bad);background:var(--bad-bg)}
.badge.warn{color:var(--warn);background:var(--warn-bg)}.badge.run{color:var(--run);background:var(--run-bg)}
.badge.idle{color:var(--idle);background:var(--idle-bg)}.badge.off{color:var(--off);background:var(--off-bg)}
.badge.done{color:var(--done);background:var(--done-bg)}
.badge.pulse::after{content:"";display:inline-block;width:6px;height:6px;margin-left:6px;border-radius:50%;background:currentColor;vertical-align:1px;animation:pulse 1.2s ease-in-out infinite}
@keyframes pulse{50%{opacity:.25}}
.progress{display:inline-flex;align-items:center;gap:8px}
progress{appearance:none;-webkit-appearance:none;width:120px;height:8px;border:none;border-radius:99px;background:var(--idle-bg);overflow:hidden;vertical-align:middle}
progress::-webkit-progress-bar{background:var(--idle-bg);border-radius:99px}
progress::-webkit-progress-value{background:linear-gradient(90deg,var(--run),color-mix(in srgb,var(--run) 60%,var(--ok)));border-radius:99px;transition:width .4s ease}
progress::-moz-progress-bar{background:var(--run);border-radius:99px}
.notice{padding:10px 14px;border-radius:10px;margin:0 0 16px;border:1px solid}
.notice.error{background:var(--bad-bg);border-color:color-mix(in srgb,var(--bad) 35%,transparent);color:var(--ink)}
.notice.ok{background:var(--ok-bg);border-color:color-mix(in srgb,var(--ok) 35%,transparent)}
.notice.info{background:var(--run-bg);border-color:color-mix(in srgb,var(--run) 30%,transparent)}
.issues{margin:6px 0 0;padding-left:20px}
.task-head{display:flex;justify-content:space-between;align-items:flex-end;gap:16px;flex-wrap:wrap;margin-bottom:12px}
.crumbs{margin:0;font-weight:560}
.id-title{font-size:18px;word-break:break-all}
.state-big .badge{font-size:13px;padding:4px 12px}
.state-big{display:flex;align-items:center;gap:12px}
.actions{display:flex;gap:8px;margin:0 0 16px;flex-wrap:wrap}.actions form{margin:0}
.row-actions{display:flex;gap:6px}.row-actions form{margin:0}
.facts-grid{display:flex;flex-wrap:wrap;background:var(--card);border:1px solid var(--line);border-radius:12px;overflow:hidden;margin:0 0 18px}
.facts-grid div{flex:1 1 160px;padding:10px 14px;border-right:1px solid var(--line)}.facts-grid div:last-child{border-right:none}
.facts-grid dt{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.5px;font-weight:600}
.facts-grid dd{margin:2px 0 0;overflow-wrap:anywhere}
pre.code{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:12px;margin:0;overflow:auto;max-height:420px;white-space:pre-wrap;overflow-wrap:anywhere}
pre.traceback{color:var(--bad);max-height:520px}
.timeline{list-style:none;margin:0;padding:0}
.attempt{border-left:2px solid var(--line);padding:0 0 14px 18px;position:relative}
.attempt:last-child{padding-bottom:0}
.attempt::before{content:"";position:absolute;left:-7px;top:3px;width:12px;height:12px;border-radius:50%;background:var(--card);border:2px solid var(--muted)}
.attempt-head{display:flex;gap:10px;align-items:center;margin-bottom:4px}
.tag{font-size:11px;font-weight:650;padding:1px 8px;border-radius:999px;text-transform:uppercase;letter-spacing:.4px}
.tag.retried{color:var(--warn);background:var(--warn-bg)}.tag.acked{color:var(--ok);background:var(--ok-bg)}
.tag.failed{color:var(--bad);background:var(--bad-bg)}.tag.revoked{color:var(--off);background:var(--off-bg)}.tag.open{color:var(--run);background:var(--run-bg)}
.steps{list-style:none;margin:0;padding:0}
.step{display:flex;flex-wrap:wrap;align-items:baseline;gap:8px;padding:3px 0;color:var(--ink)}
.step time,.step .delta{color:var(--muted);font-size:12.5px}.step .delta{font-variant-numeric:tabular-nums}
.step .dot{width:7px;height:7px;border-radius:50%;background:var(--idle);flex:none;transform:translateY(-1px)}
.step.delivered .dot{background:var(--run)}.step.acked .dot{background:var(--ok)}.step.retried .dot,.step.redelivery .dot,.step.queued .dot{background:var(--warn)}
.step.error .dot,.step.failed .dot{background:var(--bad)}.step.revoked .dot,.step.cancel .dot{background:var(--off)}
.step pre.detail{flex-basis:100%;margin:2px 0 4px 15px;font-size:12px;color:var(--muted);white-space:pre-wrap;overflow-wrap:anywhere}
.kpis{display:flex;flex-wrap:wrap;gap:8px 24px;margin:0 0 12px}
.kpis dt{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.5px;font-weight:600}
.kpis dd{margin:0;font-variant-numeric:tabular-nums}.kpis b{font-size:18px}
.chart{display:block;width:100%;margin-top:6px;overflow:visible}
.chart .axis{stroke:var(--line);stroke-width:1;vector-effect:non-scaling-stroke}
.chart .slot{fill:transparent}.chart g:hover .slot,.chart .slot:hover{fill:color-mix(in srgb,var(--run-bg) 70%,transparent)}
.s-ok{fill:var(--ok)}.s-warn{fill:var(--warn)}.s-bad{fill:var(--bad)}
.chart .lat{fill:none;stroke:var(--run);stroke-width:1.6;vector-effect:non-scaling-stroke;stroke-linejoin:round}
.chart .lat-dot{fill:transparent}.chart .lat-dot:hover{fill:color-mix(in srgb,var(--run-bg) 70%,transparent)}
.axis-labels{display:flex;justify-content:space-between;font-size:11.5px;color:var(--muted)}
.legend{font-size:12.5px;color:var(--muted);display:flex;gap:6px 14px;align-items:center;flex-wrap:wrap;margin:8px 0 0}
.key{display:inline-block;width:10px;height:10px;border-radius:3px;margin-right:-8px}
.key.s-ok{background:var(--ok)}.key.s-warn{background:var(--warn)}.key.s-bad{background:var(--bad)}.key.lat{background:var(--run);height:3px}
.signin{max-width:420px;margin:64px auto}
.signin form{display:flex;flex-direction:column;gap:10px;margin:12px 0}
.sendform{display:flex;flex-direction:column;gap:10px}
.pick{margin-bottom:12px}
label.inline{display:flex;align-items:center;gap:8px}
@media (max-width:720px){main{padding:16px}.top{flex-wrap:wrap;padding:10px 16px}.right{margin-left:0}}
`;
