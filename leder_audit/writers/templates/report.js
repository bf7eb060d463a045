(function(){
  var selects={theme:document.getElementById('f-theme'),severity:document.getElementById('f-severity'),rule:document.getElementById('f-rule')};
  var rows=document.querySelectorAll('tbody#finding-rows tr');
  function apply(){
    var shown=0;
    for(var i=0;i<rows.length;i++){
      var r=rows[i],ok=true;
      if(selects.theme.value&&(' '+r.getAttribute('data-tags')+' ').indexOf(' '+selects.theme.value+' ')<0)ok=false;
      if(selects.severity.value&&r.getAttribute('data-severity')!==selects.severity.value)ok=false;
      if(selects.rule.value&&r.getAttribute('data-rule')!==selects.rule.value)ok=false;
      r.className=ok?'':'hidden'; if(ok)shown++;
    }
    document.getElementById('shown-count').textContent=shown;
  }
  function fromHash(){
    var q=(location.hash||'').replace(/^#/,'')||(location.search||'').replace(/^\?/,'');
    q.split('&').forEach(function(p){var kv=p.split('=');var s=selects[decodeURIComponent(kv[0]||'')];
      if(s){s.value=decodeURIComponent((kv[1]||'').replace(/\+/g,' '));}});
    apply();
  }
  function toHash(){
    var parts=[];for(var k in selects){if(selects[k].value)parts.push(k+'='+encodeURIComponent(selects[k].value));}
    history.replaceState(null,'',parts.length?'#'+parts.join('&'):location.pathname);apply();
  }
  for(var k in selects){selects[k].addEventListener('change',toHash);}
  window.addEventListener('hashchange',fromHash);
  fromHash();
})();
