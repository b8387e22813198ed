// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: the stylesheet and script svg.c puts into every flame
 * graph (inside CDATA sections: neither may contain "]]>").  Our own
 * small script after FlameGraph's ideas: click a frame to zoom to it
 * (its callers stay full width, dimmed), "Reset Zoom" or Escape to go
 * back, "Search" or Ctrl-F to highlight the frames whose names match a
 * regular expression and say what share of samples they hold.  The
 * mouse over a frame shows its <title> in the details line.  It reads
 * the frames back from the document: each g.f holds a <title>
 * "NAME (N samples, P%)", a <rect> and a <text>; the root <svg> says
 * the layout in data-w (width), data-px (side padding), data-cw (width
 * of a character) and data-reverse.  Without JavaScript the image is
 * the same and the <title>s still give tooltips.
 */
#include "export/svg.h"

const char svg__style[] =
"text{font-family:monospace;font-size:12px;fill:#000}\n"
"g.f{cursor:pointer}\n"
"g.f:hover rect{stroke:#000;stroke-width:.5}\n"
"g.par rect{opacity:.5}\n"
"g.m rect{fill:rgb(230,0,230)}\n"
".hide{display:none}\n"
"#search,#unzoom{cursor:pointer;fill:#036}\n";

const char svg__script[] =
"(function(){\n"
"var S=document.documentElement,rev=S.getAttribute('data-reverse')=='1',\n"
" W=+S.getAttribute('data-w'),PX=+S.getAttribute('data-px'),\n"
" CW=+S.getAttribute('data-cw'),FW=W-2*PX,E=0.011,on=false,\n"
" fs=[].slice.call(document.querySelectorAll('g.f')),\n"
" det=document.getElementById('details'),\n"
" mt=document.getElementById('matched'),\n"
" uz=document.getElementById('unzoom'),\n"
" sb=document.getElementById('search');\n"
"function cls(g,c,b){if(b)g.classList.add(c);else g.classList.remove(c);}\n"
"function place(g,x,w){var r=g.querySelector('rect'),t=g.querySelector('text'),\n"
" n=g.o.n,fit=Math.floor((w-6)/CW);\n"
" r.setAttribute('x',x.toFixed(2));r.setAttribute('width',w.toFixed(2));\n"
" t.setAttribute('x',(x+3).toFixed(2));\n"
" t.textContent=fit<3?'':n.length<=fit?n:n.slice(0,fit-2)+'..';}\n"
"function zoom(z){var o=z.o,s=FW/o.w;\n"
" fs.forEach(function(g){var p=g.o,d=(p.y-o.y)*(rev?1:-1),\n"
"  inz=p.x>=o.x-E&&p.x+p.w<=o.x+o.w+E;\n"
"  cls(g,'par',false);\n"
"  if(d<0&&p.x<=o.x+E&&p.x+p.w>=o.x+o.w-E){cls(g,'hide',false);\n"
"   cls(g,'par',true);place(g,PX,FW);}\n"
"  else if(d>=0&&inz){cls(g,'hide',false);place(g,PX+(p.x-o.x)*s,p.w*s);}\n"
"  else cls(g,'hide',true);});\n"
" cls(uz,'hide',false);}\n"
"function unzoom(){fs.forEach(function(g){cls(g,'hide',false);\n"
" cls(g,'par',false);place(g,g.o.x,g.o.w);});cls(uz,'hide',true);}\n"
"function reset(){fs.forEach(function(g){cls(g,'m',false);});\n"
" mt.textContent='';sb.textContent='Search';on=false;}\n"
"function search(){var q=prompt('Search (regular expression)',''),re,iv=[],\n"
" tot=0,end=-1;\n"
" if(q===null)return;if(!q){reset();return;}\n"
" try{re=new RegExp(q);}catch(e){alert(e);return;}\n"
" fs.forEach(function(g){var m=re.test(g.o.n);cls(g,'m',m);\n"
"  if(m)iv.push([g.o.x,g.o.x+g.o.w]);});\n"
" iv.sort(function(a,b){return a[0]-b[0];});\n"
" iv.forEach(function(v){if(v[1]>end){tot+=v[1]-Math.max(v[0],end);end=v[1];}});\n"
" mt.textContent='Matched: '+(100*tot/FW).toFixed(2)+'%';\n"
" sb.textContent='Reset Search';on=true;}\n"
"fs.forEach(function(g){var r=g.querySelector('rect'),\n"
" t=g.querySelector('title').textContent;\n"
" g.o={x:+r.getAttribute('x'),w:+r.getAttribute('width'),\n"
"  y:+r.getAttribute('y'),n:t.slice(0,t.lastIndexOf(' ('))};\n"
" g.addEventListener('click',function(){zoom(g);});\n"
" g.addEventListener('mouseover',function(){det.textContent=t;});\n"
" g.addEventListener('mouseout',function(){det.textContent='';});});\n"
"uz.addEventListener('click',unzoom);\n"
"sb.addEventListener('click',function(){if(on)reset();else search();});\n"
"cls(sb,'hide',false);\n"
"window.addEventListener('keydown',function(e){\n"
" if((e.ctrlKey||e.metaKey)&&e.key=='f'){e.preventDefault();search();}\n"
" else if(e.key=='Escape'){unzoom();reset();}});\n"
"})();\n";
