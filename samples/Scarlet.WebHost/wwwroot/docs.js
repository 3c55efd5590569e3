'use strict';
// A small offline OpenAPI browser: lists operations of /openapi/v1.json and sends requests with an optional token.
const $ = (id) => document.getElementById(id);
$('token').value = sessionStorage.getItem('scarlet.token') || '';

function el(tag, text, cls) { const e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }

async function run(method, pathTemplate, params, bodyBox, out) {
  let path = pathTemplate;
  for (const [name, input] of params) path = path.replace('{' + name + '}', encodeURIComponent(input.value));
  const headers = {};
  const token = $('token').value.trim();
  if (token) headers.Authorization = 'Bearer ' + token;
  const apiKey = $('api-key').value.trim();
  if (apiKey) headers['X-Api-Key'] = apiKey;
  const init = { method, headers };
  if (bodyBox && bodyBox.value.trim()) { headers['Content-Type'] = 'application/json'; init.body = bodyBox.value; }
  const res = await fetch(path, init);
  const type = res.headers.get('content-type') || '';
  const text = type.startsWith('image/') || type.startsWith('multipart/') ? `(${type})` : await res.text();
  out.textContent = `${res.status} ${res.statusText}\n${text.slice(0, 20000)}`;
}

async function load() {
  const doc = await (await fetch('/openapi/v1.json')).json();
  const ops = $('ops');
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      const d = el('details', null, 'op');
      d.dataset.path = path;
      const s = el('summary');
      s.appendChild(el('span', method.toUpperCase(), 'method m-' + method));
      s.appendChild(el('code', path));
      if (op.summary) s.appendChild(el('span', ' — ' + op.summary, 'muted'));
      if (op.description) s.appendChild(el('span', ' · ' + op.description.trim(), 'muted'));
      d.appendChild(s);
      const params = [];
      for (const p of (op.parameters || []).filter((x) => x.in === 'path')) {
        const input = el('input'); input.placeholder = p.name;
        const l = el('label', p.name + ' '); l.appendChild(input); d.appendChild(l);
        params.push([p.name, input]);
      }
      let bodyBox = null;
      if (op.requestBody) { bodyBox = el('textarea'); bodyBox.placeholder = 'JSON body'; d.appendChild(bodyBox); }
      const btn = el('button', 'Send');
      const out = el('pre');
      btn.addEventListener('click', () => run(method.toUpperCase(), path, params, bodyBox, out).catch((e) => { out.textContent = e.message; }));
      d.appendChild(btn); d.appendChild(out);
      ops.appendChild(d);
    }
  }
}

$('filter').addEventListener('input', () => {
  const f = $('filter').value.toLowerCase();
  for (const d of document.querySelectorAll('.op')) d.hidden = !d.dataset.path.toLowerCase().includes(f);
});
load();
