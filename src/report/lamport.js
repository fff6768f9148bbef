// Draws a window of the Lamport diagram from the embedded data, with the same layout as
// window_svg in lamport.rs (the placeholders for lane spacing and row height are filled in when
// the page is made): one row per distinct send or delivery time (µs) in the window.
(function(){
  var el=document.getElementById('lamport-data'); if(!el) return;
  var d=JSON.parse(el.textContent), pick=document.getElementById('lamport-window');
  function esc(s){return String(s).replace(/[&<>"']/g,function(c){return '&#'+c.charCodeAt(0)+';'});}
  function draw(w){
    var a=d.w[w][0], b=d.w[w][1], seen={}, times=[], x0=d.x&&d.x[3]===w?d.x:null;
    for(var i=a;i<b;i++){
      [d.m[i][2],d.m[i][3]].forEach(function(t){if(t>=0&&!seen[t]){seen[t]=1;times.push(t);}});
    }
    if(x0&&x0[0]<0&&x0[2]>=0&&!seen[x0[2]]){times.push(x0[2]);}
    times.sort(function(p,q){return p-q;});
    function row(t){var lo=0,hi=times.length;while(lo<hi){var mid=(lo+hi)>>1;if(times[mid]<t)lo=mid+1;else hi=mid;}return lo;}
    var bottom=30+times.length*__STEP__, W=50+d.e.length*__GAP__, H=bottom+20;
    function y(t){return 30+row(t)*__STEP__;} function x(l){return 50+l*__GAP__;}
    var s='<svg class="lamport" width="'+W+'" height="'+H+'" viewBox="0 0 '+W+' '+H+'"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#444"/></marker></defs>';
    d.e.forEach(function(n,l){s+='<text x="'+x(l)+'" y="16" text-anchor="middle" class="lane-label">'+esc(n)+'</text><line x1="'+x(l)+'" y1="30" x2="'+x(l)+'" y2="'+bottom+'" stroke="#bbb"/>';});
    for(var j=a;j<b;j++){
      var m=d.m[j], x1=x(m[0]), y1=y(m[2]), x2=x(m[1]), y2, c='msg', why='';
      if(m[4]>=0){c='msg dropped'; x2=(x1+x2)/2; y2=y1+4; why=', dropped ('+esc(d.k[m[4]])+')';}
      else if(m[3]>=0){y2=y(m[3]);} else {c='msg lost'; y2=y1+4;}
      if(x0&&x0[0]===j){c='msg divergent'; s+='<circle id="divergent-step" class="divergent-mark" cx="'+x2.toFixed(1)+'" cy="'+y2.toFixed(1)+'" r="7"><title>'+esc(x0[4])+'</title></circle>';}
      s+='<line class="'+c+'" x1="'+x1.toFixed(1)+'" y1="'+y1.toFixed(1)+'" x2="'+x2.toFixed(1)+'" y2="'+y2.toFixed(1)+'"><title>'+esc(d.e[m[0]])+' → '+esc(d.e[m[1]])+' '+esc(d.k[m[5]])+' at '+(m[2]/1e6).toFixed(6)+' s'+why+'</title></line>';
    }
    if(x0&&x0[0]<0&&x0[1]>=0&&x0[2]>=0){s+='<circle id="divergent-step" class="divergent-mark" cx="'+x(x0[1]).toFixed(1)+'" cy="'+y(x0[2]).toFixed(1)+'" r="7"><title>'+esc(x0[4])+'</title></circle>';}
    var box=document.getElementById('lamport'); box.innerHTML=s+'</svg>'; box.dataset.window=String(w);
    pick.value=String(w);
  }
  pick.addEventListener('change',function(){draw(+pick.value);});
  var asked=/lamport-window=(\d+)/.exec(location.hash);
  if(asked && +asked[1]<d.w.length) draw(+asked[1]);
  document.querySelectorAll('#lamport-overview [data-window]').forEach(function(r){
    r.addEventListener('click',function(){draw(+r.dataset.window);});
  });
})();
