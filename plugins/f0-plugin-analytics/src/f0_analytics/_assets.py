"""The report's inline CSS and JavaScript (the page loads nothing from anywhere)."""

from __future__ import annotations

__all__ = ["CSS", "JS"]

CSS = """
:root{--ink:#1f2933;--muted:#616e7c;--line:#d9e2ec;--bg:#f5f7fa;--card:#fff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:var(--bg)}
header{background:#102a43;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px;font-weight:600}
header .sub{color:#bcccdc;margin-top:4px;font-size:13px}
main{padding:20px 32px 48px;max-width:1240px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:0 0 18px}
h2{font-size:16px;margin:0 0 12px;font-weight:600}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:600;color:#fff;vertical-align:middle;margin-left:8px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 18px}
.card{flex:1 1 110px;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px}
.card .v{font-size:20px;font-weight:600;white-space:nowrap}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.scroll{overflow:auto;max-height:640px}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin-top:10px;color:var(--muted);font-size:12px}
.legend i{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:5px;vertical-align:-1px;border:1px solid #52606d}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:6px 7px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th{position:sticky;top:0;background:#f0f4f8;cursor:pointer;user-select:none;font-weight:600}
th:first-child,td:first-child{text-align:left}
th:nth-child(2),th:last-child,td.status{text-align:left}
.fit{max-width:100%;height:auto}
tr.anomaly td{background:#fff5f5}
td.flag{white-space:normal;min-width:110px;text-align:left}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px}
.flag{color:#b42318;font-weight:600}
.muted{color:var(--muted)}
pre{background:#f0f4f8;border-radius:8px;padding:10px 12px;overflow:auto;font-size:12px;margin:6px 0 12px;white-space:pre-wrap;word-break:break-word}
details summary{cursor:pointer;font-weight:600}
.err h3{font-size:14px;margin:10px 0 0}
input.filter{padding:5px 9px;border:1px solid var(--line);border-radius:6px;margin-bottom:10px;width:260px}
footer{color:var(--muted);font-size:12px;padding:0 32px 24px}
"""

# Sort the step table by a column (click its header) and filter its rows.
JS = """
(function(){
  var table=document.getElementById('step-table'); if(!table) return;
  var body=table.tBodies[0];
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,col){
    th.addEventListener('click',function(){
      var rows=Array.prototype.slice.call(body.rows);
      var dir=th.dataset.dir==='asc'?-1:1; th.dataset.dir=dir===1?'asc':'desc';
      rows.sort(function(a,b){
        var x=a.cells[col].dataset.v||a.cells[col].textContent,y=b.cells[col].dataset.v||b.cells[col].textContent;
        var nx=parseFloat(x),ny=parseFloat(y);
        if(!isNaN(nx)&&!isNaN(ny)) return (nx-ny)*dir;
        return x.localeCompare(y)*dir;});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  var box=document.getElementById('step-filter');
  if(box) box.addEventListener('input',function(){
    var q=box.value.toLowerCase();
    Array.prototype.forEach.call(body.rows,function(r){
      r.style.display=r.cells[0].textContent.toLowerCase().indexOf(q)>=0?'':'none';});
  });
})();
"""
