/* sipd console: builds every value into the page with textContent (never innerHTML), from the
 * JSON of /api/*.  Every POST carries the session's CSRF token in X-CSRF-Token. */
'use strict';

var csrf = '';

function $(id) { return document.getElementById(id); }

function say(msg) { $('status').textContent = msg || ''; }

function el(tag, text) {
	var e = document.createElement(tag);
	if (text !== undefined && text !== null)
		e.textContent = String(text);
	return e;
}

function form(data) {
	var p = new URLSearchParams();
	Object.keys(data).forEach(function (k) { p.append(k, data[k]); });
	return p.toString();
}

function get(url) {
	return fetch(url, { credentials: 'same-origin' }).then(function (r) {
		if (r.status === 401) {
			window.location = '/login';
			throw new Error('logged out');
		}
		return r.json().then(function (j) {
			if (!r.ok)
				throw new Error(j.error || r.statusText);
			return j;
		});
	});
}

function post(url, data, token) {
	return fetch(url, {
		method: 'POST', credentials: 'same-origin',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': token || csrf },
		body: form(data)
	}).then(function (r) {
		if (r.status === 401 && url !== '/api/login') {
			window.location = '/login';
			throw new Error('logged out');
		}
		return r.json().then(function (j) {
			if (!r.ok)
				throw new Error(j.error || r.statusText);
			return j;
		});
	});
}

function row(tbody, cells) {
	var tr = el('tr');
	cells.forEach(function (c) {
		var td = el('td');
		if (c instanceof Node)
			td.appendChild(c);
		else
			td.textContent = c === null || c === undefined ? '' : String(c);
		tr.appendChild(td);
	});
	tbody.appendChild(tr);
	return tr;
}

function clear(tbody) {
	while (tbody.firstChild)
		tbody.removeChild(tbody.firstChild);
}

function button(text, fn) {
	var b = el('button', text);
	b.type = 'button';
	b.addEventListener('click', fn);
	return b;
}

function userOf(aor) {
	var m = /^sips?:([^@]*)@/.exec(aor);
	return m ? m[1] : aor;
}

/* Bars of one series as SVG, built node by node. */
function chart(div, values) {
	var ns = 'http://www.w3.org/2000/svg', w = 300, h = 60;
	var max = Math.max.apply(null, values.concat([1]));
	var svg = document.createElementNS(ns, 'svg');
	svg.setAttribute('width', w);
	svg.setAttribute('height', h);
	svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
	values.forEach(function (v, i) {
		var r = document.createElementNS(ns, 'rect'), bh = Math.round(v / max * (h - 2));
		r.setAttribute('x', i * 5);
		r.setAttribute('y', h - bh);
		r.setAttribute('width', 4);
		r.setAttribute('height', bh);
		r.setAttribute('fill', '#36c');
		svg.appendChild(r);
	});
	clear(div);
	div.appendChild(svg);
}

var pollTimer = null;

function dashboard() {
	get('/api/dashboard').then(function (d) {
		var c = $('counters'), names = {
			registrations: 'Registered phones', calls_ringing: 'Calls ringing',
			calls_answered: 'Calls answered', calls_started: 'Calls since start',
			calls_failed: 'Failed calls', auth_failures: 'Failed logins (SIP)',
			relay_sessions: 'Relayed calls'
		};
		clear(c);
		Object.keys(names).forEach(function (k) {
			var box = el('div');
			box.className = 'counter';
			box.appendChild(el('b', d.counters[k]));
			box.appendChild(el('span', names[k]));
			c.appendChild(box);
		});
		chart($('chart-calls'), d.history.map(function (s) { return s.calls; }));
		chart($('chart-regs'), d.history.map(function (s) { return s.registrations; }));
		var tb = $('regs').tBodies[0];
		clear(tb);
		d.registrations.forEach(function (b) {
			row(tb, [b.aor, b.contact, b.transport, b.received, b.nat ? 'yes' : 'no',
			    b.user_agent, b.expires]);
		});
		tb = $('calls').tBodies[0];
		clear(tb);
		d.calls.forEach(function (k) {
			row(tb, [k.caller, k.callee, k.state, k.seconds, k.relayed ? 'relayed' : 'direct',
			    k.packets ? k.packets.join(' / ') : '', k.lost ? k.lost.join(' / ') : '']);
		});
	}).catch(function (e) { say(e.message); });
}

function users() {
	get('/api/users').then(function (d) {
		var tb = $('users').tBodies[0];
		clear(tb);
		d.users.forEach(function (u) {
			var acts = el('span'), on = u.enabled === '1';
			acts.appendChild(button(on ? 'Disable' : 'Enable', function () {
				act(on ? '/api/user/disable' : '/api/user/enable', { name: u.username });
			}));
			acts.appendChild(button('Password', function () {
				var pw = window.prompt('New password for ' + u.username);
				if (pw)
					act('/api/user/passwd', { name: u.username, password: pw });
			}));
			acts.appendChild(button('Phones', function () { bindings(u.username); }));
			acts.appendChild(button('Forwards', function () { forwards(u.username); }));
			acts.appendChild(button('Phone setup', function () { provision(u.username); }));
			acts.appendChild(button('Delete', function () {
				if (window.confirm('Delete ' + u.username + '?'))
					act('/api/user/delete', { name: u.username });
			}));
			var tr = row(tb, [u.username, u.extension, on ? 'yes' : 'no', u.created, acts]);
			tr.dataset.user = u.username;
		});
	}).catch(function (e) { say(e.message); });
}

function fields(formEl) {
	var o = {};
	new FormData(formEl).forEach(function (v, k) { o[k] = v; });
	return o;
}

function groups() {
	get('/api/groups').then(function (d) {
		var tb = $('groups').tBodies[0];
		clear(tb);
		d.groups.forEach(function (g) {
			var acts = el('span');
			if (g.member)
				acts.appendChild(button('Remove member', function () {
					act('/api/group/member/remove', { number: g.number, member: g.member });
				}));
			acts.appendChild(button('Delete group', function () {
				if (window.confirm('Delete ring group ' + g.number + '?'))
					act('/api/group/delete', { number: g.number });
			}));
			row(tb, [g.number, g.strategy, g.timeout, g.member, g.q, g.member_timeout, acts]);
		});
	}).catch(function (e) { say(e.message); });
}

var fwdUser = '';

function forwards(user) {
	fwdUser = user;
	get('/api/forwards?user=' + encodeURIComponent(user)).then(function (d) {
		$('detail').hidden = false;
		$('provision').hidden = true;
		$('forwards').hidden = false;
		clear($('bindings').tBodies[0]);
		$('detail-title').textContent = 'Call forwarding of ' + user;
		var tb = $('fwd').tBodies[0];
		clear(tb);
		d.forwards.forEach(function (f) {
			row(tb, [f.kind, f.target, f.after, button('Clear', function () {
				post('/api/forward/clear', { user: user, kind: f.kind }).then(function () {
					forwards(user);
				}).catch(function (e) { say(e.message); });
			})]);
		});
	}).catch(function (e) { say(e.message); });
}

function act(url, data) {
	post(url, data).then(function () { say(''); users(); groups(); }).catch(function (e) { say(e.message); });
}

function bindings(user) {
	get('/api/bindings?user=' + encodeURIComponent(user)).then(function (d) {
		$('detail').hidden = false;
		$('provision').hidden = true;
		$('forwards').hidden = true;
		$('detail-title').textContent = 'Phones of ' + d.aor;
		var tb = $('bindings').tBodies[0];
		clear(tb);
		d.bindings.forEach(function (b) {
			row(tb, [b.contact, b.transport, b.received, b.user_agent, b.expires,
			    button('Remove', function () {
				post('/api/binding/remove', { aor: b.aor, key: b.key }).then(function () {
					bindings(user);
				}).catch(function (e) { say(e.message); });
			})]);
		});
	}).catch(function (e) { say(e.message); });
}

function provision(user) {
	post('/api/provision', { user: user }).then(function (d) {
		$('detail').hidden = false;
		$('detail-title').textContent = 'Phone setup for ' + user + ' (works once, for ' +
		    Math.round(d.expires_in / 3600) + ' h)';
		clear($('bindings').tBodies[0]);
		$('forwards').hidden = true;
		$('provision').hidden = false;
		$('provision-url').textContent = d.url;
		$('provision-qr').src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(d.svg);
	}).catch(function (e) { say(e.message); });
}

var cdrPage = 1;

function cdrQuery() {
	var f = new FormData($('cdr-filter')), p = new URLSearchParams();
	f.forEach(function (v, k) { if (v) p.append(k, v); });
	return p;
}

function history() {
	var p = cdrQuery();
	$('cdr-csv').href = '/api/cdr.csv?' + p.toString();
	p.append('page', cdrPage);
	get('/api/cdr?' + p.toString()).then(function (d) {
		var tb = $('cdr').tBodies[0];
		clear(tb);
		d.rows.forEach(function (c) {
			row(tb, [c.started, c.caller, c.callee, c.answered_by, c.seconds, c.status, c.reason]);
		});
		var pages = Math.max(1, Math.ceil(d.total / d.per_page));
		$('cdr-page').textContent = 'page ' + d.page + ' of ' + pages + ' (' + d.total + ' calls)';
		$('cdr-prev').disabled = d.page <= 1;
		$('cdr-next').disabled = d.page >= pages;
	}).catch(function (e) { say(e.message); });
}

function messages() {
	get('/api/messages').then(function (d) {
		var tb = $('messages').tBodies[0];
		clear(tb);
		d.messages.forEach(function (m) {
			row(tb, [m.aor, m.sender, m.received_at, m.expires_at, m.content_type, m.text,
			    button('Delete', function () {
				post('/api/message/delete', { id: m.id }).then(messages)
				    .catch(function (e) { say(e.message); });
			})]);
		});
	}).catch(function (e) { say(e.message); });
}

function show(page) {
	Array.prototype.forEach.call(document.querySelectorAll('.page'), function (s) {
		s.hidden = s.id !== 'page-' + page;
	});
	Array.prototype.forEach.call(document.querySelectorAll('.tab'), function (t) {
		t.classList.toggle('on', t.dataset.page === page);
	});
	if (pollTimer)
		clearInterval(pollTimer);
	pollTimer = null;
	say('');
	if (page === 'dashboard') {
		dashboard();
		pollTimer = setInterval(dashboard, 2000);
	} else if (page === 'users') {
		users();
		groups();
	} else if (page === 'messages')
		messages();
	else
		history();
}

function startApp() {
	get('/api/session').then(function (s) {
		csrf = s.csrf;
		$('who').textContent = s.admin;
		show('dashboard');
	}).catch(function (e) { say(e.message); });
	Array.prototype.forEach.call(document.querySelectorAll('.tab'), function (t) {
		t.addEventListener('click', function () { show(t.dataset.page); });
	});
	$('logout').addEventListener('click', function () {
		post('/api/logout', {}).then(function () { window.location = '/login'; });
	});
	$('add-user').addEventListener('submit', function (ev) {
		ev.preventDefault();
		post('/api/user/add', { name: $('add-name').value, extension: $('add-ext').value,
		    password: $('add-password').value }).then(function () {
			$('add-user').reset();
			say('');
			users();
		}).catch(function (e) { say(e.message); });
	});
	$('fwd-form').addEventListener('submit', function (ev) {
		ev.preventDefault();
		var f = fields($('fwd-form'));
		f.user = fwdUser;
		post('/api/forward/set', f).then(function () { say(''); forwards(fwdUser); })
		    .catch(function (e) { say(e.message); });
	});
	[['group-form', '/api/group/add'], ['member-form', '/api/group/member/add']].forEach(function (x) {
		$(x[0]).addEventListener('submit', function (ev) {
			ev.preventDefault();
			post(x[1], fields($(x[0]))).then(function () { say(''); groups(); })
			    .catch(function (e) { say(e.message); });
		});
	});
	$('cdr-filter').addEventListener('submit', function (ev) {
		ev.preventDefault();
		cdrPage = 1;
		history();
	});
	$('cdr-prev').addEventListener('click', function () { cdrPage--; history(); });
	$('cdr-next').addEventListener('click', function () { cdrPage++; history(); });
}

function startLogin() {
	$('login-form').addEventListener('submit', function (ev) {
		ev.preventDefault();
		get('/api/pre').then(function (p) {
			return post('/api/login', { name: $('login-name').value,
			    password: $('login-password').value }, p.token);
		}).then(function () {
			window.location = '/';
		}).catch(function (e) { say(e.message); });
	});
}

document.addEventListener('DOMContentLoaded', function () {
	if (document.body.id === 'login')
		startLogin();
	else
		startApp();
});
