// The scheduler dashboard's only script: viewer-zone times, live refresh over server-sent events, and the cron preview.
// Everything it puts on the page from data is set as text (textContent), never as markup.
(function () {
  'use strict';
  var base = document.body.getAttribute('data-base') || '';

  function localize(root) {
    var times = root.querySelectorAll('time.viewer[datetime]');
    for (var i = 0; i < times.length; i++) {
      var d = new Date(times[i].getAttribute('datetime'));
      if (!isNaN(d)) {
        times[i].textContent = 'your time ' + d.toLocaleString();
        times[i].title = 'In your browser\'s time zone';
      }
    }
  }

  localize(document);

  var live = document.getElementById('live');
  var state = document.getElementById('live-state');
  if (live && window.EventSource) {
    var pending = false, again = false;
    var refresh = function () {
      if (pending) { again = true; return; }
      pending = true;
      fetch(location.href, { credentials: 'same-origin', headers: { 'X-Requested-With': 'scheduler-dashboard' } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var fresh = doc.getElementById('live');
          if (fresh) {
            live.replaceChildren.apply(live, Array.prototype.slice.call(fresh.childNodes));
            localize(live);
            document.body.setAttribute('data-refreshed', String(Number(document.body.getAttribute('data-refreshed') || '0') + 1));
          }
        })
        .catch(function () { })
        .then(function () {
          pending = false;
          if (again) { again = false; refresh(); }
        });
    };
    var source = new EventSource(base + '/events');
    // Changes between rendering the page and subscribing were not announced to it either: the first ready reads it again.
    var down = true;
    source.addEventListener('ready', function () {
      if (state) { state.textContent = 'live'; state.className = 'livestate on'; }
      document.body.setAttribute('data-live', 'on');
      // Changes made while the stream was down (or not yet up) were not announced: read the page once again.
      if (down) { down = false; refresh(); }
    });
    source.addEventListener('change', refresh);
    source.onerror = function () {
      down = true;
      if (state) { state.textContent = 'reconnecting'; state.className = 'livestate off'; }
      document.body.setAttribute('data-live', 'off');
    };
  }

  var expression = document.getElementById('cron-expression');
  var zone = document.getElementById('cron-zone');
  var result = document.getElementById('cron-result');
  if (expression && zone && result) {
    var timer = null, asked = 0;
    var preview = function () {
      var mine = ++asked;
      var url = base + '/api/cron?expression=' + encodeURIComponent(expression.value) + '&zone=' + encodeURIComponent(zone.value);
      fetch(url, { credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          if (mine !== asked) { return; }
          var nodes = [];
          var line = document.createElement('p');
          line.className = p.valid ? 'description' : 'error';
          line.textContent = p.valid ? p.description : p.error;
          nodes.push(line);
          if (p.valid) {
            var list = document.createElement('ol');
            list.className = 'next';
            p.next.forEach(function (n) {
              var item = document.createElement('li');
              item.textContent = n.zone + ' (your time ' + new Date(n.utc).toLocaleString() + ')';
              list.appendChild(item);
            });
            nodes.push(list);
          }
          result.replaceChildren.apply(result, nodes);
          result.setAttribute('data-expression', expression.value);
        })
        .catch(function () { });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(preview, 150); };
    expression.addEventListener('input', later);
    zone.addEventListener('input', later);
    document.getElementById('cron-form').addEventListener('submit', function (e) { e.preventDefault(); preview(); });
  }
})();
