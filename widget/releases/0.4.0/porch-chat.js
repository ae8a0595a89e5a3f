var e = globalThis, t = e.ShadowRoot && (e.ShadyCSS === void 0 || e.ShadyCSS.nativeShadow) && "adoptedStyleSheets" in Document.prototype && "replace" in CSSStyleSheet.prototype, n = Symbol(), r = /* @__PURE__ */ new WeakMap(), i = class {
	constructor(e, t, r) {
		if (this._$cssResult$ = !0, r !== n) throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");
		this.cssText = e, this.t = t;
	}
	get styleSheet() {
		let e = this.o, n = this.t;
		if (t && e === void 0) {
			let t = n !== void 0 && n.length === 1;
			t && (e = r.get(n)), e === void 0 && ((this.o = e = new CSSStyleSheet()).replaceSync(this.cssText), t && r.set(n, e));
		}
		return e;
	}
	toString() {
		return this.cssText;
	}
}, a = (e) => new i(typeof e == "string" ? e : e + "", void 0, n), o = (e, ...t) => new i(e.length === 1 ? e[0] : t.reduce((t, n, r) => t + ((e) => {
	if (!0 === e._$cssResult$) return e.cssText;
	if (typeof e == "number") return e;
	throw Error("Value passed to 'css' function must be a 'css' function result: " + e + ". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.");
})(n) + e[r + 1], e[0]), e, n), s = (n, r) => {
	if (t) n.adoptedStyleSheets = r.map((e) => e instanceof CSSStyleSheet ? e : e.styleSheet);
	else for (let t of r) {
		let r = document.createElement("style"), i = e.litNonce;
		i !== void 0 && r.setAttribute("nonce", i), r.textContent = t.cssText, n.appendChild(r);
	}
}, c = t ? (e) => e : (e) => e instanceof CSSStyleSheet ? ((e) => {
	let t = "";
	for (let n of e.cssRules) t += n.cssText;
	return a(t);
})(e) : e, { is: l, defineProperty: u, getOwnPropertyDescriptor: d, getOwnPropertyNames: f, getOwnPropertySymbols: p, getPrototypeOf: ee } = Object, m = globalThis, h = m.trustedTypes, te = h ? h.emptyScript : "", ne = m.reactiveElementPolyfillSupport, g = (e, t) => e, _ = {
	toAttribute(e, t) {
		switch (t) {
			case Boolean:
				e = e ? te : null;
				break;
			case Object:
			case Array: e = e == null ? e : JSON.stringify(e);
		}
		return e;
	},
	fromAttribute(e, t) {
		let n = e;
		switch (t) {
			case Boolean:
				n = e !== null;
				break;
			case Number:
				n = e === null ? null : Number(e);
				break;
			case Object:
			case Array: try {
				n = JSON.parse(e);
			} catch {
				n = null;
			}
		}
		return n;
	}
}, re = (e, t) => !l(e, t), ie = {
	attribute: !0,
	type: String,
	converter: _,
	reflect: !1,
	useDefault: !1,
	hasChanged: re
};
Symbol.metadata ??= Symbol("metadata"), m.litPropertyMetadata ??= /* @__PURE__ */ new WeakMap();
var v = class extends HTMLElement {
	static addInitializer(e) {
		this._$Ei(), (this.l ??= []).push(e);
	}
	static get observedAttributes() {
		return this.finalize(), this._$Eh && [...this._$Eh.keys()];
	}
	static createProperty(e, t = ie) {
		if (t.state && (t.attribute = !1), this._$Ei(), this.prototype.hasOwnProperty(e) && ((t = Object.create(t)).wrapped = !0), this.elementProperties.set(e, t), !t.noAccessor) {
			let n = Symbol(), r = this.getPropertyDescriptor(e, n, t);
			r !== void 0 && u(this.prototype, e, r);
		}
	}
	static getPropertyDescriptor(e, t, n) {
		let { get: r, set: i } = d(this.prototype, e) ?? {
			get() {
				return this[t];
			},
			set(e) {
				this[t] = e;
			}
		};
		return {
			get: r,
			set(t) {
				let a = r?.call(this);
				i?.call(this, t), this.requestUpdate(e, a, n);
			},
			configurable: !0,
			enumerable: !0
		};
	}
	static getPropertyOptions(e) {
		return this.elementProperties.get(e) ?? ie;
	}
	static _$Ei() {
		if (this.hasOwnProperty(g("elementProperties"))) return;
		let e = ee(this);
		e.finalize(), e.l !== void 0 && (this.l = [...e.l]), this.elementProperties = new Map(e.elementProperties);
	}
	static finalize() {
		if (this.hasOwnProperty(g("finalized"))) return;
		if (this.finalized = !0, this._$Ei(), this.hasOwnProperty(g("properties"))) {
			let e = this.properties, t = [...f(e), ...p(e)];
			for (let n of t) this.createProperty(n, e[n]);
		}
		let e = this[Symbol.metadata];
		if (e !== null) {
			let t = litPropertyMetadata.get(e);
			if (t !== void 0) for (let [e, n] of t) this.elementProperties.set(e, n);
		}
		this._$Eh = /* @__PURE__ */ new Map();
		for (let [e, t] of this.elementProperties) {
			let n = this._$Eu(e, t);
			n !== void 0 && this._$Eh.set(n, e);
		}
		this.elementStyles = this.finalizeStyles(this.styles);
	}
	static finalizeStyles(e) {
		let t = [];
		if (Array.isArray(e)) {
			let n = new Set(e.flat(1 / 0).reverse());
			for (let e of n) t.unshift(c(e));
		} else e !== void 0 && t.push(c(e));
		return t;
	}
	static _$Eu(e, t) {
		let n = t.attribute;
		return !1 === n ? void 0 : typeof n == "string" ? n : typeof e == "string" ? e.toLowerCase() : void 0;
	}
	constructor() {
		super(), this._$Ep = void 0, this.isUpdatePending = !1, this.hasUpdated = !1, this._$Em = null, this._$Ev();
	}
	_$Ev() {
		this._$ES = new Promise((e) => this.enableUpdating = e), this._$AL = /* @__PURE__ */ new Map(), this._$E_(), this.requestUpdate(), this.constructor.l?.forEach((e) => e(this));
	}
	addController(e) {
		(this._$EO ??= /* @__PURE__ */ new Set()).add(e), this.renderRoot !== void 0 && this.isConnected && e.hostConnected?.();
	}
	removeController(e) {
		this._$EO?.delete(e);
	}
	_$E_() {
		let e = /* @__PURE__ */ new Map(), t = this.constructor.elementProperties;
		for (let n of t.keys()) this.hasOwnProperty(n) && (e.set(n, this[n]), delete this[n]);
		e.size > 0 && (this._$Ep = e);
	}
	createRenderRoot() {
		let e = this.shadowRoot ?? this.attachShadow(this.constructor.shadowRootOptions);
		return s(e, this.constructor.elementStyles), e;
	}
	connectedCallback() {
		this.renderRoot ??= this.createRenderRoot(), this.enableUpdating(!0), this._$EO?.forEach((e) => e.hostConnected?.());
	}
	enableUpdating(e) {}
	disconnectedCallback() {
		this._$EO?.forEach((e) => e.hostDisconnected?.());
	}
	attributeChangedCallback(e, t, n) {
		this._$AK(e, n);
	}
	_$ET(e, t) {
		let n = this.constructor.elementProperties.get(e), r = this.constructor._$Eu(e, n);
		if (r !== void 0 && !0 === n.reflect) {
			let i = (n.converter?.toAttribute === void 0 ? _ : n.converter).toAttribute(t, n.type);
			this._$Em = e, i == null ? this.removeAttribute(r) : this.setAttribute(r, i), this._$Em = null;
		}
	}
	_$AK(e, t) {
		let n = this.constructor, r = n._$Eh.get(e);
		if (r !== void 0 && this._$Em !== r) {
			let e = n.getPropertyOptions(r), i = typeof e.converter == "function" ? { fromAttribute: e.converter } : e.converter?.fromAttribute === void 0 ? _ : e.converter;
			this._$Em = r;
			let a = i.fromAttribute(t, e.type);
			this[r] = a ?? this._$Ej?.get(r) ?? a, this._$Em = null;
		}
	}
	requestUpdate(e, t, n, r = !1, i) {
		if (e !== void 0) {
			let a = this.constructor;
			if (!1 === r && (i = this[e]), n ??= a.getPropertyOptions(e), !((n.hasChanged ?? re)(i, t) || n.useDefault && n.reflect && i === this._$Ej?.get(e) && !this.hasAttribute(a._$Eu(e, n)))) return;
			this.C(e, t, n);
		}
		!1 === this.isUpdatePending && (this._$ES = this._$EP());
	}
	C(e, t, { useDefault: n, reflect: r, wrapped: i }, a) {
		n && !(this._$Ej ??= /* @__PURE__ */ new Map()).has(e) && (this._$Ej.set(e, a ?? t ?? this[e]), !0 !== i || a !== void 0) || (this._$AL.has(e) || (this.hasUpdated || n || (t = void 0), this._$AL.set(e, t)), !0 === r && this._$Em !== e && (this._$Eq ??= /* @__PURE__ */ new Set()).add(e));
	}
	async _$EP() {
		this.isUpdatePending = !0;
		try {
			await this._$ES;
		} catch (e) {
			Promise.reject(e);
		}
		let e = this.scheduleUpdate();
		return e != null && await e, !this.isUpdatePending;
	}
	scheduleUpdate() {
		return this.performUpdate();
	}
	performUpdate() {
		if (!this.isUpdatePending) return;
		if (!this.hasUpdated) {
			if (this.renderRoot ??= this.createRenderRoot(), this._$Ep) {
				for (let [e, t] of this._$Ep) this[e] = t;
				this._$Ep = void 0;
			}
			let e = this.constructor.elementProperties;
			if (e.size > 0) for (let [t, n] of e) {
				let { wrapped: e } = n, r = this[t];
				!0 !== e || this._$AL.has(t) || r === void 0 || this.C(t, void 0, n, r);
			}
		}
		let e = !1, t = this._$AL;
		try {
			e = this.shouldUpdate(t), e ? (this.willUpdate(t), this._$EO?.forEach((e) => e.hostUpdate?.()), this.update(t)) : this._$EM();
		} catch (t) {
			throw e = !1, this._$EM(), t;
		}
		e && this._$AE(t);
	}
	willUpdate(e) {}
	_$AE(e) {
		this._$EO?.forEach((e) => e.hostUpdated?.()), this.hasUpdated || (this.hasUpdated = !0, this.firstUpdated(e)), this.updated(e);
	}
	_$EM() {
		this._$AL = /* @__PURE__ */ new Map(), this.isUpdatePending = !1;
	}
	get updateComplete() {
		return this.getUpdateComplete();
	}
	getUpdateComplete() {
		return this._$ES;
	}
	shouldUpdate(e) {
		return !0;
	}
	update(e) {
		this._$Eq &&= this._$Eq.forEach((e) => this._$ET(e, this[e])), this._$EM();
	}
	updated(e) {}
	firstUpdated(e) {}
};
v.elementStyles = [], v.shadowRootOptions = { mode: "open" }, v[g("elementProperties")] = /* @__PURE__ */ new Map(), v[g("finalized")] = /* @__PURE__ */ new Map(), ne?.({ ReactiveElement: v }), (m.reactiveElementVersions ??= []).push("2.1.2");
var ae = globalThis, oe = (e) => e, se = ae.trustedTypes, ce = se ? se.createPolicy("lit-html", { createHTML: (e) => e }) : void 0, le = "$lit$", y = `lit$${Math.random().toFixed(9).slice(2)}$`, ue = "?" + y, de = `<${ue}>`, b = document, x = () => b.createComment(""), fe = (e) => e === null || typeof e != "object" && typeof e != "function", pe = Array.isArray, me = (e) => pe(e) || typeof e?.[Symbol.iterator] == "function", he = "[ 	\n\f\r]", S = /<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g, ge = /-->/g, _e = />/g, C = RegExp(`>|${he}(?:([^\\s"'>=/]+)(${he}*=${he}*(?:[^ \t\n\f\r"'\`<>=]|("|')|))|$)`, "g"), ve = /'/g, ye = /"/g, be = /^(?:script|style|textarea|title)$/i, w = ((e) => (t, ...n) => ({
	_$litType$: e,
	strings: t,
	values: n
}))(1), T = Symbol.for("lit-noChange"), E = Symbol.for("lit-nothing"), xe = /* @__PURE__ */ new WeakMap(), D = b.createTreeWalker(b, 129);
function Se(e, t) {
	if (!pe(e) || !e.hasOwnProperty("raw")) throw Error("invalid template strings array");
	return ce === void 0 ? t : ce.createHTML(t);
}
var Ce = (e, t) => {
	let n = e.length - 1, r = [], i, a = t === 2 ? "<svg>" : t === 3 ? "<math>" : "", o = S;
	for (let t = 0; t < n; t++) {
		let n = e[t], s, c, l = -1, u = 0;
		for (; u < n.length && (o.lastIndex = u, c = o.exec(n), c !== null);) u = o.lastIndex, o === S ? c[1] === "!--" ? o = ge : c[1] === void 0 ? c[2] === void 0 ? c[3] !== void 0 && (o = C) : (be.test(c[2]) && (i = RegExp("</" + c[2], "g")), o = C) : o = _e : o === C ? c[0] === ">" ? (o = i ?? S, l = -1) : c[1] === void 0 ? l = -2 : (l = o.lastIndex - c[2].length, s = c[1], o = c[3] === void 0 ? C : c[3] === "\"" ? ye : ve) : o === ye || o === ve ? o = C : o === ge || o === _e ? o = S : (o = C, i = void 0);
		let d = o === C && e[t + 1].startsWith("/>") ? " " : "";
		a += o === S ? n + de : l >= 0 ? (r.push(s), n.slice(0, l) + le + n.slice(l) + y + d) : n + y + (l === -2 ? t : d);
	}
	return [Se(e, a + (e[n] || "<?>") + (t === 2 ? "</svg>" : t === 3 ? "</math>" : "")), r];
}, we = class e {
	constructor({ strings: t, _$litType$: n }, r) {
		let i;
		this.parts = [];
		let a = 0, o = 0, s = t.length - 1, c = this.parts, [l, u] = Ce(t, n);
		if (this.el = e.createElement(l, r), D.currentNode = this.el.content, n === 2 || n === 3) {
			let e = this.el.content.firstChild;
			e.replaceWith(...e.childNodes);
		}
		for (; (i = D.nextNode()) !== null && c.length < s;) {
			if (i.nodeType === 1) {
				if (i.hasAttributes()) for (let e of i.getAttributeNames()) if (e.endsWith(le)) {
					let t = u[o++], n = i.getAttribute(e).split(y), r = /([.?@])?(.*)/.exec(t);
					c.push({
						type: 1,
						index: a,
						name: r[2],
						strings: n,
						ctor: r[1] === "." ? Oe : r[1] === "?" ? ke : r[1] === "@" ? Ae : De
					}), i.removeAttribute(e);
				} else e.startsWith(y) && (c.push({
					type: 6,
					index: a
				}), i.removeAttribute(e));
				if (be.test(i.tagName)) {
					let e = i.textContent.split(y), t = e.length - 1;
					if (t > 0) {
						i.textContent = se ? se.emptyScript : "";
						for (let n = 0; n < t; n++) i.append(e[n], x()), D.nextNode(), c.push({
							type: 2,
							index: ++a
						});
						i.append(e[t], x());
					}
				}
			} else if (i.nodeType === 8) {
				if (i.data === ue) c.push({
					type: 2,
					index: a
				});
				else {
					let e = -1;
					for (; (e = i.data.indexOf(y, e + 1)) !== -1;) c.push({
						type: 7,
						index: a
					}), e += y.length - 1;
				}
			}
			a++;
		}
	}
	static createElement(e, t) {
		let n = b.createElement("template");
		return n.innerHTML = e, n;
	}
};
function O(e, t, n = e, r) {
	if (t === T) return t;
	let i = r === void 0 ? n._$Cl : n._$Co?.[r], a = fe(t) ? void 0 : t._$litDirective$;
	return i?.constructor !== a && (i?._$AO?.(!1), a === void 0 ? i = void 0 : (i = new a(e), i._$AT(e, n, r)), r === void 0 ? n._$Cl = i : (n._$Co ??= [])[r] = i), i !== void 0 && (t = O(e, i._$AS(e, t.values), i, r)), t;
}
var Te = class {
	constructor(e, t) {
		this._$AV = [], this._$AN = void 0, this._$AD = e, this._$AM = t;
	}
	get parentNode() {
		return this._$AM.parentNode;
	}
	get _$AU() {
		return this._$AM._$AU;
	}
	u(e) {
		let { el: { content: t }, parts: n } = this._$AD, r = (e?.creationScope ?? b).importNode(t, !0);
		D.currentNode = r;
		let i = D.nextNode(), a = 0, o = 0, s = n[0];
		for (; s !== void 0;) {
			if (a === s.index) {
				let t;
				s.type === 2 ? t = new Ee(i, i.nextSibling, this, e) : s.type === 1 ? t = new s.ctor(i, s.name, s.strings, this, e) : s.type === 6 && (t = new je(i, this, e)), this._$AV.push(t), s = n[++o];
			}
			a !== s?.index && (i = D.nextNode(), a++);
		}
		return D.currentNode = b, r;
	}
	p(e) {
		let t = 0;
		for (let n of this._$AV) n !== void 0 && (n.strings === void 0 ? n._$AI(e[t]) : (n._$AI(e, n, t), t += n.strings.length - 2)), t++;
	}
}, Ee = class e {
	get _$AU() {
		return this._$AM?._$AU ?? this._$Cv;
	}
	constructor(e, t, n, r) {
		this.type = 2, this._$AH = E, this._$AN = void 0, this._$AA = e, this._$AB = t, this._$AM = n, this.options = r, this._$Cv = r?.isConnected ?? !0;
	}
	get parentNode() {
		let e = this._$AA.parentNode, t = this._$AM;
		return t !== void 0 && e?.nodeType === 11 && (e = t.parentNode), e;
	}
	get startNode() {
		return this._$AA;
	}
	get endNode() {
		return this._$AB;
	}
	_$AI(e, t = this) {
		e = O(this, e, t), fe(e) ? e === E || e == null || e === "" ? (this._$AH !== E && this._$AR(), this._$AH = E) : e !== this._$AH && e !== T && this._(e) : e._$litType$ === void 0 ? e.nodeType === void 0 ? me(e) ? this.k(e) : this._(e) : this.T(e) : this.$(e);
	}
	O(e) {
		return this._$AA.parentNode.insertBefore(e, this._$AB);
	}
	T(e) {
		this._$AH !== e && (this._$AR(), this._$AH = this.O(e));
	}
	_(e) {
		this._$AH !== E && fe(this._$AH) ? this._$AA.nextSibling.data = e : this.T(b.createTextNode(e)), this._$AH = e;
	}
	$(e) {
		let { values: t, _$litType$: n } = e, r = typeof n == "number" ? this._$AC(e) : (n.el === void 0 && (n.el = we.createElement(Se(n.h, n.h[0]), this.options)), n);
		if (this._$AH?._$AD === r) this._$AH.p(t);
		else {
			let e = new Te(r, this), n = e.u(this.options);
			e.p(t), this.T(n), this._$AH = e;
		}
	}
	_$AC(e) {
		let t = xe.get(e.strings);
		return t === void 0 && xe.set(e.strings, t = new we(e)), t;
	}
	k(t) {
		pe(this._$AH) || (this._$AH = [], this._$AR());
		let n = this._$AH, r, i = 0;
		for (let a of t) i === n.length ? n.push(r = new e(this.O(x()), this.O(x()), this, this.options)) : r = n[i], r._$AI(a), i++;
		i < n.length && (this._$AR(r && r._$AB.nextSibling, i), n.length = i);
	}
	_$AR(e = this._$AA.nextSibling, t) {
		for (this._$AP?.(!1, !0, t); e !== this._$AB;) {
			let t = oe(e).nextSibling;
			oe(e).remove(), e = t;
		}
	}
	setConnected(e) {
		this._$AM === void 0 && (this._$Cv = e, this._$AP?.(e));
	}
}, De = class {
	get tagName() {
		return this.element.tagName;
	}
	get _$AU() {
		return this._$AM._$AU;
	}
	constructor(e, t, n, r, i) {
		this.type = 1, this._$AH = E, this._$AN = void 0, this.element = e, this.name = t, this._$AM = r, this.options = i, n.length > 2 || n[0] !== "" || n[1] !== "" ? (this._$AH = Array(n.length - 1).fill(/* @__PURE__ */ new String()), this.strings = n) : this._$AH = E;
	}
	_$AI(e, t = this, n, r) {
		let i = this.strings, a = !1;
		if (i === void 0) e = O(this, e, t, 0), a = !fe(e) || e !== this._$AH && e !== T, a && (this._$AH = e);
		else {
			let r = e, o, s;
			for (e = i[0], o = 0; o < i.length - 1; o++) s = O(this, r[n + o], t, o), s === T && (s = this._$AH[o]), a ||= !fe(s) || s !== this._$AH[o], s === E ? e = E : e !== E && (e += (s ?? "") + i[o + 1]), this._$AH[o] = s;
		}
		a && !r && this.j(e);
	}
	j(e) {
		e === E ? this.element.removeAttribute(this.name) : this.element.setAttribute(this.name, e ?? "");
	}
}, Oe = class extends De {
	constructor() {
		super(...arguments), this.type = 3;
	}
	j(e) {
		this.element[this.name] = e === E ? void 0 : e;
	}
}, ke = class extends De {
	constructor() {
		super(...arguments), this.type = 4;
	}
	j(e) {
		this.element.toggleAttribute(this.name, !!e && e !== E);
	}
}, Ae = class extends De {
	constructor(e, t, n, r, i) {
		super(e, t, n, r, i), this.type = 5;
	}
	_$AI(e, t = this) {
		if ((e = O(this, e, t, 0) ?? E) === T) return;
		let n = this._$AH, r = e === E && n !== E || e.capture !== n.capture || e.once !== n.once || e.passive !== n.passive, i = e !== E && (n === E || r);
		r && this.element.removeEventListener(this.name, this, n), i && this.element.addEventListener(this.name, this, e), this._$AH = e;
	}
	handleEvent(e) {
		typeof this._$AH == "function" ? this._$AH.call(this.options?.host ?? this.element, e) : this._$AH.handleEvent(e);
	}
}, je = class {
	constructor(e, t, n) {
		this.element = e, this.type = 6, this._$AN = void 0, this._$AM = t, this.options = n;
	}
	get _$AU() {
		return this._$AM._$AU;
	}
	_$AI(e) {
		O(this, e);
	}
}, Me = ae.litHtmlPolyfillSupport;
Me?.(we, Ee), (ae.litHtmlVersions ??= []).push("3.3.3");
var Ne = (e, t, n) => {
	let r = n?.renderBefore ?? t, i = r._$litPart$;
	if (i === void 0) {
		let e = n?.renderBefore ?? null;
		r._$litPart$ = i = new Ee(t.insertBefore(x(), e), e, void 0, n ?? {});
	}
	return i._$AI(e), i;
}, Pe = globalThis, k = class extends v {
	constructor() {
		super(...arguments), this.renderOptions = { host: this }, this._$Do = void 0;
	}
	createRenderRoot() {
		let e = super.createRenderRoot();
		return this.renderOptions.renderBefore ??= e.firstChild, e;
	}
	update(e) {
		let t = this.render();
		this.hasUpdated || (this.renderOptions.isConnected = this.isConnected), super.update(e), this._$Do = Ne(t, this.renderRoot, this.renderOptions);
	}
	connectedCallback() {
		super.connectedCallback(), this._$Do?.setConnected(!0);
	}
	disconnectedCallback() {
		super.disconnectedCallback(), this._$Do?.setConnected(!1);
	}
	render() {
		return T;
	}
};
k._$litElement$ = !0, k.finalized = !0, Pe.litElementHydrateSupport?.({ LitElement: k });
var Fe = Pe.litElementPolyfillSupport;
Fe?.({ LitElement: k }), (Pe.litElementVersions ??= []).push("4.2.2");
var A = {
	feedbackCommentChars: 2e3,
	attachmentBytes: 4194304,
	attachmentsPerMessage: 4
}, Ie = {
	images: [
		"image/png",
		"image/jpeg",
		"image/gif",
		"image/webp"
	],
	text: [
		"text/plain",
		"text/markdown",
		"text/csv",
		"application/json"
	]
}, j = class extends Error {
	constructor(e, t, n, r) {
		super(n), this.status = e, this.code = t, this.retryAfter = r;
	}
};
async function Le(e, t = "The chat service") {
	let n = "http_error", r = `${t} answered ${e.status}.`;
	try {
		let t = await e.json();
		typeof t?.error?.message == "string" && (r = t.error.message), typeof t?.error?.code == "string" && (n = t.error.code);
	} catch {}
	let i = Number(e.headers.get("retry-after"));
	return new j(e.status, n, r, Number.isFinite(i) && i > 0 ? i : null);
}
async function M(e, t = {}, n) {
	let r = await fetch(e, t);
	if (!r.ok) throw await Le(r, n);
	return r;
}
async function Re(e, t) {
	let n = e.getReader(), r;
	for (; !(r = await n.read()).done;) t(r.value);
}
function ze(e) {
	let t, n, r, i = !1;
	return function(a) {
		t === void 0 ? (t = a, n = 0, r = -1) : t = Ve(t, a);
		let o = t.length, s = 0;
		for (; n < o;) {
			i &&= (t[n] === 10 && (s = ++n), !1);
			let a = -1;
			for (; n < o && a === -1; ++n) switch (t[n]) {
				case 58:
					r === -1 && (r = n - s);
					break;
				case 13: i = !0;
				case 10: a = n;
			}
			if (a === -1) break;
			e(t.subarray(s, a), r), s = n, r = -1;
		}
		s === o ? t = void 0 : s !== 0 && (t = t.subarray(s), n -= s);
	};
}
function Be(e, t, n) {
	let r = He(), i = new TextDecoder();
	return function(a, o) {
		if (a.length === 0) n?.(r), r = He();
		else if (o > 0) {
			let n = i.decode(a.subarray(0, o)), s = o + (a[o + 1] === 32 ? 2 : 1), c = i.decode(a.subarray(s));
			switch (n) {
				case "data":
					r.data = r.data ? r.data + "\n" + c : c;
					break;
				case "event":
					r.event = c;
					break;
				case "id":
					e(r.id = c);
					break;
				case "retry":
					let n = parseInt(c, 10);
					isNaN(n) || t(r.retry = n);
			}
		}
	};
}
function Ve(e, t) {
	let n = new Uint8Array(e.length + t.length);
	return n.set(e), n.set(t, e.length), n;
}
function He() {
	return {
		data: "",
		event: "",
		id: "",
		retry: void 0
	};
}
var Ue = function(e, t) {
	var n = {};
	for (var r in e) Object.prototype.hasOwnProperty.call(e, r) && t.indexOf(r) < 0 && (n[r] = e[r]);
	if (e != null && typeof Object.getOwnPropertySymbols == "function") for (var i = 0, r = Object.getOwnPropertySymbols(e); i < r.length; i++) t.indexOf(r[i]) < 0 && Object.prototype.propertyIsEnumerable.call(e, r[i]) && (n[r[i]] = e[r[i]]);
	return n;
}, We = "text/event-stream", Ge = 1e3, Ke = "last-event-id";
function qe(e, t) {
	var { signal: n, headers: r, onopen: i, onmessage: a, onclose: o, onerror: s, openWhenHidden: c, fetch: l } = t, u = Ue(t, [
		"signal",
		"headers",
		"onopen",
		"onmessage",
		"onclose",
		"onerror",
		"openWhenHidden",
		"fetch"
	]);
	return new Promise((t, d) => {
		let f = Object.assign({}, r);
		f.accept ||= We;
		let p;
		function ee() {
			p.abort(), document.hidden || _();
		}
		c || document.addEventListener("visibilitychange", ee);
		let m = Ge, h = 0;
		function te() {
			document.removeEventListener("visibilitychange", ee), window.clearTimeout(h), p.abort();
		}
		n?.addEventListener("abort", () => {
			te(), t();
		});
		let ne = l ?? window.fetch, g = i ?? Je;
		async function _() {
			p = new AbortController();
			try {
				let n = await ne(e, Object.assign(Object.assign({}, u), {
					headers: f,
					signal: p.signal
				}));
				await g(n), await Re(n.body, ze(Be((e) => {
					e ? f[Ke] = e : delete f[Ke];
				}, (e) => {
					m = e;
				}, a))), o?.(), te(), t();
			} catch (e) {
				if (!p.signal.aborted) try {
					let t = s?.(e) ?? m;
					window.clearTimeout(h), h = window.setTimeout(_, t);
				} catch (e) {
					te(), d(e);
				}
			}
		}
		_();
	});
}
function Je(e) {
	let t = e.headers.get("content-type");
	if (!t?.startsWith("text/event-stream")) throw Error(`Expected content-type to be ${We}, Actual: ${t}`);
}
var Ye = [
	"person_joined",
	"person_message",
	"person_left",
	"visitor_message"
], Xe = class extends Error {};
function Ze(e, t) {
	let { retryDelay: n = (e) => Math.min(1e3 * 2 ** e, 3e4) } = t, r = 0;
	return qe(e, {
		headers: {
			...t.headers,
			...t.afterId > 0 && { "last-event-id": String(t.afterId) }
		},
		credentials: t.credentials,
		signal: t.signal,
		openWhenHidden: !0,
		async onopen(e) {
			if (e.ok) r = 0;
			else throw await Le(e);
		},
		onmessage(e) {
			try {
				let n = JSON.parse(e.data);
				Ye.includes(n?.event_type) && t.onEvent(n);
			} catch {}
		},
		onclose() {
			throw new Xe();
		},
		onerror(e) {
			if (e instanceof j && e.status < 500 && e.status !== 429) throw e;
			return n(r++);
		}
	});
}
var Qe = {
	run_started: 1,
	turn_start: 1,
	text_delta: 1,
	tool_call: 1,
	tool_result: 1,
	output_file: 1,
	context_compressed: 1,
	sources: 1,
	complete: 1,
	trace_saved: 1,
	error: 1,
	taken_over: 1
};
function $e(e) {
	try {
		let t = JSON.parse(e);
		return t && typeof t == "object" && Qe[t.event_type] === 1 ? t : null;
	} catch {
		return null;
	}
}
var et = class extends Error {};
function tt(e, t) {
	let { maxRetries: n = 5, retryDelay: r = (e) => Math.min(500 * 2 ** e, 8e3) } = t, i = !1, a = 0;
	return qe(e.chat, {
		method: "POST",
		headers: {
			"content-type": "application/json",
			...e.headers
		},
		credentials: e.credentials,
		body: JSON.stringify(t.body),
		signal: t.signal,
		openWhenHidden: !0,
		async onopen(e) {
			if (e.ok && e.headers.get("content-type")?.startsWith("text/event-stream")) a = 0;
			else throw e.ok ? new j(e.status, "bad_response", "The chat service answered with something other than a stream.", null) : await Le(e);
		},
		onmessage(e) {
			let n = $e(e.data);
			n && (n.event_type === "complete" && (i = !0), t.onEvent(n));
		},
		onclose() {
			if (!i) throw new et("the stream ended early");
		},
		onerror(e) {
			if (e instanceof j && e.status < 500) throw e;
			if (a >= n) throw new j(0, "network", "The connection to the chat service was lost.", null);
			return r(a++);
		}
	});
}
function nt(e, t) {
	return fetch(e.stop, {
		method: "POST",
		headers: {
			"content-type": "application/json",
			...e.headers
		},
		credentials: e.credentials,
		body: JSON.stringify({ request_id: t }),
		keepalive: !0
	}).then(() => {}, () => {});
}
var rt = (e) => e.replace(/\/+$/, "");
function it(e) {
	let t = rt(e.host);
	return e.link ? `${t}/api/v1/links/${encodeURIComponent(e.link)}` : `${t}/api/v1/published/${encodeURIComponent(e.agent ?? "")}`;
}
function N(e) {
	let t = e.visitorToken ? { authorization: `Bearer ${e.visitorToken}` } : {};
	return e.userToken && (t["x-porch-user-token"] = e.userToken), t;
}
function P(e) {
	let t = it(e), n = (e) => `${t}/sessions/${encodeURIComponent(e)}`;
	return {
		info: t,
		chat: `${t}/chat`,
		sync: `${t}/chat/sync`,
		stop: `${t}/chat/stop`,
		unlock: `${t}/unlock`,
		session: n,
		events: (e) => `${n(e)}/events`,
		conversations: `${t}/conversations`,
		feedback: (e, t) => `${n(e)}/messages/${t}/feedback`,
		attachments: (e, t) => `${n(e)}/attachments?filename=${encodeURIComponent(t)}`
	};
}
function at(e) {
	let t = P(e);
	return {
		chat: t.chat,
		stop: t.stop,
		headers: N(e)
	};
}
var ot = async (e, t, n) => (await M(e, {
	headers: {
		accept: "application/json",
		...N(t)
	},
	signal: n
})).json();
async function st(e, t) {
	let n = await ot(P(e).info, e, t);
	return {
		id: String(n.id ?? ""),
		name: String(n.name ?? ""),
		description: String(n.description ?? ""),
		api_response_mode: n.api_response_mode === "non_streaming" ? "non_streaming" : "streaming",
		welcome_message: String(n.welcome_message ?? ""),
		starters: Array.isArray(n.starters) ? n.starters.filter((e) => typeof e == "string") : [],
		requires_password: n.requires_password === !0,
		accepts_attachments: n.accepts_attachments === !0,
		requires_identity: n.requires_identity === !0
	};
}
async function ct(e, t) {
	return ((await ot(P(e).conversations, e, t)).conversations ?? []).map((e) => ({
		session_id: String(e.session_id),
		preview: String(e.preview ?? "")
	}));
}
var lt = {
	md: "text/markdown",
	markdown: "text/markdown",
	csv: "text/csv",
	txt: "text/plain",
	json: "application/json"
};
function ut(e) {
	return [...Ie.images, ...Ie.text].includes(e.type) ? e.type : lt[e.name.split(".").pop()?.toLowerCase() ?? ""] ?? null;
}
async function dt(e, t, n, r) {
	let i = {
		"content-type": ut(n) ?? n.type,
		...N(e)
	};
	return (await M(P(e).attachments(t, n.name), {
		method: "POST",
		headers: i,
		body: n,
		signal: r
	})).json();
}
async function ft(e, t, n) {
	try {
		let r = await ot(P(e).session(t), e, n);
		return Array.isArray(r?.messages) ? r : null;
	} catch (e) {
		if (e instanceof j && e.status === 404) return null;
		throw e;
	}
}
async function pt(e, t, n, r) {
	let i = {
		"content-type": "application/json",
		...N(e)
	};
	await M(P(e).feedback(t, n), r ? {
		method: "PUT",
		headers: i,
		body: JSON.stringify(r)
	} : {
		method: "DELETE",
		headers: N(e)
	});
}
async function mt(e, t, n) {
	let r = {
		"content-type": "application/json",
		accept: "application/json",
		...N(e)
	};
	return (await M(P(e).sync, {
		method: "POST",
		headers: r,
		body: JSON.stringify(t),
		signal: n
	})).json();
}
var ht = /* @__PURE__ */ new Map();
function F() {
	try {
		let e = globalThis.sessionStorage;
		if (e) return e.getItem("porch:probe"), e;
	} catch {}
	return {
		getItem: (e) => ht.get(e) ?? null,
		setItem: (e, t) => void ht.set(e, t),
		removeItem: (e) => void ht.delete(e)
	};
}
var I = (e, t) => `porch:v1:${t}:${rt(e.host)}:${e.link ? `link:${e.link}` : `agent:${e.agent ?? ""}`}`, L = {
	get: (e) => F().getItem(I(e, "session")),
	set: (e, t) => F().setItem(I(e, "session"), t),
	clear: (e) => F().removeItem(I(e, "session")),
	getVisitorToken: (e) => F().getItem(I(e, "visitor")),
	setVisitorToken: (e, t) => F().setItem(I(e, "visitor"), t),
	clearVisitorToken: (e) => F().removeItem(I(e, "visitor"))
}, R = () => globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
function gt(e, t) {
	for (let n of e.parts) if (n.type === "tool" && n.tool.id === t) return n.tool;
}
function _t(e, t) {
	switch (t.event_type) {
		case "text_delta": {
			let n = e.parts.at(-1);
			return n?.type === "text" ? n.text += t.text : e.parts.push({
				type: "text",
				text: t.text
			}), !0;
		}
		case "tool_call": return e.parts.push({
			type: "tool",
			tool: {
				id: t.tool_call_id,
				name: t.tool_name,
				input: t.tool_input
			}
		}), !0;
		case "tool_result": {
			let n = gt(e, t.tool_call_id);
			return n && Object.assign(n, {
				result: t.tool_result,
				isError: t.is_error
			}), !0;
		}
		default: return !1;
	}
}
function vt(e, t = (e) => e) {
	if (!Array.isArray(e)) return;
	let n = e.flatMap((e) => {
		if (typeof e?.index != "number" || typeof e.title != "string") return [];
		let n = Array.isArray(e.heading_path) ? e.heading_path.filter((e) => typeof e == "string") : [], r = typeof e.url == "string" ? e.url : typeof e.file_url == "string" ? t(e.file_url) : null;
		return [{
			index: e.index,
			label: [e.title, ...n].join(" › "),
			url: r
		}];
	});
	return n.length > 0 ? n : void 0;
}
var yt = (e) => e.parts.map((e) => e.type === "text" ? e.text : "").join("");
function bt(e, t, n) {
	e.sources = vt(t.sources, n);
	let r = 0;
	for (let n of t.steps ?? []) if (n.role === "assistant" && n.tool_name === null) e.parts.push({
		type: "text",
		text: n.content
	});
	else if (n.role === "assistant") e.parts.push({
		type: "tool",
		tool: {
			id: `sync-${r++}`,
			name: n.tool_name ?? "",
			input: n.tool_input
		}
	});
	else {
		let t = [...e.parts].reverse().find((e) => e.type === "tool" && e.tool.name === n.tool_name && e.tool.result === void 0);
		t && (t.tool.result = n.content);
	}
	t.success || (e.state = "error", e.error = t.error ?? void 0, e.retryAt = 0);
}
function xt(e, t = (e) => e) {
	let n = [], r = (e) => e === "cancelled" ? "stopped" : e === "error" ? "error" : "done";
	for (let [i, a] of e.entries()) {
		let o = a.content.filter((e) => e.type === "text"), s = a.content.filter((e) => e.type === "tool_result"), c = n.at(-1);
		if (a.role === "user" && o.length > 0) {
			let t = a.content.flatMap((e) => e.type === "attachment" ? [{
				type: "attachment",
				attachment: {
					filename: e.filename,
					size: e.size,
					fileId: e.file_id
				}
			}] : []);
			n.push({
				id: `h${i}`,
				role: "user",
				parts: [{
					type: "text",
					text: o.map((e) => e.text).join("\n\n")
				}, ...t],
				state: "done"
			}), a.status !== void 0 && a.status !== "complete" && e[i + 1]?.role !== "assistant" && n.push({
				id: `h${i}a`,
				role: "assistant",
				parts: [],
				state: r(a.status),
				retryAt: 0
			});
			continue;
		}
		if (a.role === "user") {
			for (let e of s) {
				let t = c?.role === "assistant" ? gt(c, e.tool_use_id) : void 0;
				t && Object.assign(t, {
					result: e.content,
					isError: e.is_error === !0
				});
			}
			for (let e of a.content) e.type === "output_file" && e.download_url && c?.role === "assistant" && c.parts.push({
				type: "file",
				file: {
					id: e.file_id,
					filename: e.filename,
					size: e.size,
					contentType: e.content_type,
					url: t(e.download_url)
				}
			});
			continue;
		}
		let l = a.author?.name, u = c?.role === "assistant" && c.author === l ? c : {
			id: `h${i}`,
			role: "assistant",
			parts: [],
			state: "done",
			...l && { author: l }
		};
		u !== c && n.push(u), u.state = r(a.status), u.sources = vt(a.sources, t) ?? u.sources, typeof a.seq == "number" && (u.seq = a.seq);
		let d = a.feedback;
		(d?.rating === "up" || d?.rating === "down") && (u.feedback = {
			rating: d.rating,
			comment: d.comment ?? null
		});
		for (let e of a.content) if (e.type === "text") {
			let t = u.parts.at(-1);
			t?.type === "text" ? t.text += e.text : u.parts.push({
				type: "text",
				text: e.text
			});
		} else e.type === "tool_use" && u.parts.push({
			type: "tool",
			tool: {
				id: e.id,
				name: e.name,
				input: e.input
			}
		});
	}
	return n;
}
var St = class {
	constructor(e, t) {
		this.host = e, this.options = t, this.phase = "idle", this.info = null, this.messages = [], this.sessionId = null, this.problem = null, this.announcement = "", this.attachments = [], this.attachmentProblem = null, this.conversations = null, this.takeover = null, this.running = null, this.connection = null, this.events = null, this.eventsWanted = !1, this.sessionStored = !1, this.eventsRefused = null, this.lastEventId = 0, this.framePending = !1, e.addController?.(this);
	}
	get busy() {
		return this.running !== null;
	}
	hostDisconnected() {
		this.connection?.abort(), this.running?.abort.abort(), this.follow(!1);
	}
	follow(e) {
		if (this.eventsWanted = e, !e || this.phase !== "ready" || !this.sessionId || !this.sessionStored) {
			e || (this.events?.abort(), this.events = null, this.eventsRefused = null);
			return;
		}
		if (this.events || this.eventsRefused === this.sessionId) return;
		let t = this.events = new AbortController(), n = this.target(), r = this.sessionId;
		Ze(P(n).events(r), {
			headers: N(n),
			afterId: this.lastEventId,
			signal: t.signal,
			onEvent: (e) => this.onSessionEvent(e),
			retryDelay: this.options.retryDelay
		}).catch(() => {
			this.events === t && (this.events = null, this.eventsRefused = r);
		});
	}
	onSessionEvent(e) {
		if (e.id <= this.lastEventId) return;
		this.lastEventId = e.id;
		let t = `e${e.id}`;
		if (e.event_type === "person_joined") this.takeover = { name: e.name }, this.messages = [...this.messages, {
			id: t,
			role: "assistant",
			parts: [],
			state: "done",
			notice: "joined",
			author: e.name
		}];
		else if (e.event_type === "person_left") this.takeover = null, this.messages = [...this.messages, {
			id: t,
			role: "assistant",
			parts: [],
			state: "done",
			notice: "left",
			author: e.name
		}];
		else if (e.event_type === "person_message" && !this.messages.some((t) => t.seq === e.seq && t.author)) this.messages = [...this.messages, {
			id: t,
			role: "assistant",
			parts: [{
				type: "text",
				text: e.text
			}],
			state: "done",
			seq: e.seq,
			author: e.name
		}];
		else return;
		this.update();
	}
	target() {
		let e = this.options.target(), t = e.link ? L.getVisitorToken(e) ?? void 0 : void 0;
		return {
			...e,
			visitorToken: t
		};
	}
	update() {
		this.host.requestUpdate();
	}
	updateInFrame() {
		this.framePending || (this.framePending = !0, (this.options.frame ?? (typeof requestAnimationFrame == "function" ? requestAnimationFrame : (e) => e()))(() => {
			this.framePending = !1, this.update();
		}));
	}
	async connect() {
		this.connection?.abort();
		let e = this.connection = new AbortController();
		this.phase = "connecting", this.update();
		let t = this.target();
		try {
			if (this.info = await st(t, e.signal), this.info.requires_password && !t.visitorToken) {
				this.phase = "locked";
				return;
			}
			if (this.sessionId = L.get(t), this.sessionId) {
				let n = await ft(t, this.sessionId, e.signal);
				this.sessionStored = n !== null, n ? this.showHistory(n, t) : L.clear(t);
			}
			this.phase = "ready", this.follow(this.eventsWanted);
		} catch (t) {
			if (e.signal.aborted || this.lockIfNeeded(t)) return;
			this.phase = "unavailable", this.problem = t instanceof j ? t.message : null;
		} finally {
			e.signal.aborted || this.update();
		}
	}
	attach(e) {
		this.attachmentProblem = null;
		for (let t of e) this.attachments.length >= A.attachmentsPerMessage ? this.attachmentProblem = {
			kind: "count",
			name: t.name
		} : ut(t) ? t.size > A.attachmentBytes || t.size === 0 ? this.attachmentProblem = {
			kind: "size",
			name: t.name
		} : this.attachments = [...this.attachments, t] : this.attachmentProblem = {
			kind: "type",
			name: t.name
		};
		this.update();
	}
	detach(e) {
		this.attachments = this.attachments.filter((t, n) => n !== e), this.attachmentProblem = null, this.update();
	}
	async send(e, t) {
		let n = e.trim();
		if (!n || this.running || this.phase !== "ready" || !this.info) return;
		let r = this.target();
		this.sessionId || (this.sessionId = R(), this.sessionStored = !1, L.set(r, this.sessionId));
		let i = t ?? this.attachments.map((e) => ({
			filename: e.name,
			size: e.size,
			file: e
		})), a = this.info.accepts_attachments ? i : [];
		t || (this.attachments = []), this.attachmentProblem = null;
		let o = a.map((e) => ({
			type: "attachment",
			attachment: e
		}));
		this.messages = [...this.messages, {
			id: R(),
			role: "user",
			parts: [{
				type: "text",
				text: n
			}, ...o],
			state: "done"
		}];
		let s = {
			id: R(),
			role: "assistant",
			parts: [],
			state: "streaming"
		};
		this.takeover || (this.messages = [...this.messages, s]);
		let c = {
			abort: new AbortController(),
			requestId: R(),
			message: s
		};
		this.running = c, this.announcement = "", this.update();
		let l = this.info, u = this.sessionId, d = async (e) => {
			let t = (await Promise.all(a.map(async (e) => (!e.fileId && e.file && (e.fileId = (await dt(r, u, e.file, c.abort.signal)).file_id), e.fileId)))).filter((e) => e !== void 0), i = {
				request: n,
				session_id: u,
				request_id: e,
				...t.length > 0 && { attachments: t }
			};
			l.api_response_mode === "streaming" ? await tt(at(r), {
				body: i,
				signal: c.abort.signal,
				onEvent: (e) => this.onEvent(s, e),
				retryDelay: this.options.retryDelay
			}) : bt(s, await mt(r, i, c.abort.signal), (e) => z(r.host, e));
		};
		try {
			try {
				await d(c.requestId);
			} catch (e) {
				let t = a.filter((e) => e.file && e.fileId);
				if (!(e instanceof j && e.code === "unknown_attachment") || t.length === 0) throw e;
				for (let e of t) e.fileId = void 0;
				c.requestId = R(), await d(c.requestId);
			}
			c.abort.signal.aborted ? s.state = "stopped" : s.state === "streaming" && (s.state = "done");
		} catch (e) {
			c.abort.signal.aborted ? s.state = "stopped" : e instanceof j && e.code === "run_gone" ? await this.reloadHistory() : this.lockIfNeeded(e) ? this.messages = this.messages.slice(0, -2) : this.fail(s, e);
		} finally {
			this.running = null, this.announcement = s.state === "done" ? yt(s).slice(0, 500) : s.error ?? "", this.messages = [...this.messages], this.sessionStored = !0, this.eventsRefused = null, this.follow(this.eventsWanted), this.update();
		}
	}
	stop() {
		let e = this.running;
		e && (e.abort.abort(), nt(at(this.target()), e.requestId));
	}
	async retry(e) {
		let t = this.messages.findIndex((t) => t.id === e), n = this.messages[t - 1];
		if (t < 1 || n?.role !== "user" || this.running) return;
		this.messages = this.messages.slice(0, t - 1);
		let r = n.parts.flatMap((e) => e.type === "attachment" ? [{ ...e.attachment }] : []);
		await this.send(yt(n), r);
	}
	async rate(e, t, n) {
		let r = this.messages.find((t) => t.id === e), i = r?.role === "assistant" ? await this.seqOf(r) : void 0;
		if (!r || i === void 0 || !this.sessionId) return !1;
		try {
			await pt(this.target(), this.sessionId, i, t && {
				rating: t,
				...n && { comment: n }
			});
		} catch {
			return !1;
		}
		return r.feedback = t ? {
			rating: t,
			comment: n ?? null,
			commenting: n === void 0
		} : void 0, this.update(), !0;
	}
	async seqOf(e) {
		if (e.seq !== void 0 || !this.sessionId) return e.seq;
		let t = await ft(this.target(), this.sessionId).catch(() => null), n = t ? xt(t.messages)[this.messages.filter((e) => !e.notice).indexOf(e)] : void 0;
		return n?.role === "assistant" && (e.seq = n.seq), e.seq;
	}
	async toggleConversations() {
		this.conversations = this.conversations ? null : await ct(this.target()).catch(() => []), this.update();
	}
	async openConversation(e) {
		let t = this.target(), n = await ft(t, e).catch(() => null);
		n && !this.running && (L.set(t, e), this.sessionId = e, this.sessionStored = !0, this.showHistory(n, t), this.conversations = null, this.events?.abort(), this.events = null, this.eventsRefused = null, this.follow(this.eventsWanted), this.update());
	}
	showHistory(e, t) {
		this.messages = xt(e.messages, (e) => z(t.host, e)), this.takeover = e.takeover ? { name: e.takeover.name } : null, this.lastEventId = e.last_event_id ?? 0, this.takeover && this.messages.push({
			id: "held",
			role: "assistant",
			parts: [],
			state: "done",
			notice: "joined",
			author: this.takeover.name
		});
	}
	newChat() {
		this.running?.abort.abort(), L.clear(this.target()), this.sessionId = null, this.sessionStored = !1, this.conversations = null, this.messages = [], this.announcement = "", this.events?.abort(), this.events = null, this.takeover = null, this.lastEventId = 0, this.update();
	}
	lockIfNeeded(e) {
		return !(e instanceof j) || e.code !== "password_required" ? !1 : (L.clearVisitorToken(this.options.target()), this.phase = "locked", !0);
	}
	async reloadHistory() {
		if (!this.sessionId) return;
		let e = this.target(), t = await ft(e, this.sessionId).catch(() => null);
		t && (this.messages = xt(t.messages, (t) => z(e.host, t)));
	}
	fail(e, t) {
		e.state = "error", e.error = t instanceof j ? t.message : "The connection to the chat service was lost.", e.retryAt = t instanceof j && t.retryAfter ? Date.now() + t.retryAfter * 1e3 : 0;
	}
	onEvent(e, t) {
		this.messages.includes(e) || t.event_type !== "text_delta" && t.event_type !== "tool_call" && t.event_type !== "error" || (this.takeover = null, this.messages = [...this.messages, e]);
		let n = e.parts.length === 0;
		if (_t(e, t)) t.event_type === "text_delta" && !n ? this.updateInFrame() : this.update();
		else {
			switch (t.event_type) {
				case "output_file":
					e.parts.push({
						type: "file",
						file: {
							id: t.file_id,
							filename: t.filename,
							size: t.size,
							contentType: t.content_type,
							url: z(this.options.target().host, t.download_url)
						}
					});
					break;
				case "sources":
					e.sources = vt(t.sources, (e) => z(this.options.target().host, e));
					break;
				case "error":
					e.state = "error", e.error = t.message, e.retryAt = 0;
					break;
				case "complete":
					e.state === "streaming" && (e.state = t.success ? "done" : "error");
					break;
				case "taken_over":
					this.takeover = { name: t.name }, this.messages = this.messages.filter((t) => t !== e);
					break;
				default: return;
			}
			this.update();
		}
	}
};
function z(e, t) {
	try {
		return e ? new URL(t, `${rt(e)}/`).href : t;
	} catch {
		return t;
	}
}
var Ct = {
	ATTRIBUTE: 1,
	CHILD: 2,
	PROPERTY: 3,
	BOOLEAN_ATTRIBUTE: 4,
	EVENT: 5,
	ELEMENT: 6
}, wt = (e) => (...t) => ({
	_$litDirective$: e,
	values: t
}), Tt = class {
	constructor(e) {}
	get _$AU() {
		return this._$AM._$AU;
	}
	_$AT(e, t, n) {
		this._$Ct = e, this._$AM = t, this._$Ci = n;
	}
	_$AS(e, t) {
		return this.update(e, t);
	}
	update(e, t) {
		return this.render(...t);
	}
}, Et = (e) => {
	switch (e) {
		case 1: return 3;
		case 2: return 4;
		case 3: return 5;
		case 4: return 6;
		case 5: return 7;
		default: return 8;
	}
}, Dt = (e) => {
	switch (e) {
		case 3: return 1;
		case 4: return 2;
		case 5: return 3;
		case 6: return 4;
		case 7: return 5;
		case 8: return 6;
		default: return 0;
	}
}, Ot = 24;
function kt(e) {
	let t = new Uint32Array(Ot);
	return t[0] = 1, {
		renderer: e,
		text: "",
		pending: "",
		tokens: t,
		len: 0,
		token: 1,
		fence_end: 0,
		blockquote_idx: 0,
		hr_char: "",
		hr_chars: 0,
		fence_start: 0,
		spaces: new Uint8Array(Ot),
		indent: "",
		indent_len: 0,
		table_state: 0
	};
}
function At(e) {
	e.pending.length > 0 && G(e, "\n");
}
function B(e) {
	e.text.length !== 0 && (console.assert(e.len > 0, "Never adding text to root"), e.renderer.add_text(e.renderer.data, e.text), e.text = "");
}
function V(e) {
	console.assert(e.len > 0, "No nodes to end"), --e.len, e.token = e.tokens[e.len], e.renderer.end_token(e.renderer.data);
}
function H(e, t) {
	(e.tokens[e.len] === 24 || e.tokens[e.len] === 23) && t !== 25 && V(e), e.len += 1, e.tokens[e.len] = t, e.token = t, e.renderer.add_token(e.renderer.data, t);
}
function jt(e, t, n) {
	for (; n <= e.len;) {
		if (e.tokens[n] === t) return n;
		n += 1;
	}
	return -1;
}
function U(e, t) {
	for (e.fence_start = 0; e.len > t;) V(e);
}
function Mt(e, t) {
	let n = 0;
	for (let r = 0; r <= e.len && (t -= e.spaces[r], !(t < 0)); r += 1) switch (e.tokens[r]) {
		case 9:
		case 10:
		case 20:
		case 25: n = r;
	}
	for (; e.len > n;) V(e);
	return t;
}
function Nt(e, t) {
	let n = -1, r = -1;
	for (let i = e.blockquote_idx + 1; i <= e.len; i += 1) if (e.tokens[i] === 25) {
		if (e.indent_len < e.spaces[i]) {
			r = -1;
			break;
		}
		r = i;
	} else e.tokens[i] === t && (n = i);
	return r === -1 ? n === -1 ? (U(e, e.blockquote_idx), H(e, t), !0) : (U(e, n), !1) : (U(e, r), H(e, t), !0);
}
function Pt(e, t) {
	H(e, 25), e.spaces[e.len] = e.indent_len + t, W(e), e.token = 103;
}
function W(e) {
	e.indent = "", e.indent_len = 0, e.pending = "";
}
function Ft(e) {
	switch (e) {
		case 48:
		case 49:
		case 50:
		case 51:
		case 52:
		case 53:
		case 54:
		case 55:
		case 56:
		case 57: return !0;
		default: return !1;
	}
}
function It(e) {
	switch (e) {
		case 32:
		case 58:
		case 59:
		case 41:
		case 44:
		case 33:
		case 46:
		case 63:
		case 93:
		case 10: return !0;
		default: return !1;
	}
}
function Lt(e) {
	return Ft(e) || It(e);
}
function G(e, t) {
	for (let n of t) {
		if (e.token === 101) {
			switch (n) {
				case " ":
					e.indent_len += 1;
					continue;
				case "	":
					e.indent_len += 4;
					continue;
			}
			let t = Mt(e, e.indent_len);
			e.indent_len = 0, e.token = e.tokens[e.len], t > 0 && G(e, " ".repeat(t));
		}
		let t = e.pending + n;
		switch (e.token) {
			case 21:
			case 1:
			case 20:
			case 24:
			case 23:
				switch (console.assert(e.text.length === 0, "Root should not have any text"), e.pending[0]) {
					case void 0:
						e.pending = n;
						continue;
					case " ":
						console.assert(e.pending.length === 1), e.pending = n, e.indent += " ", e.indent_len += 1;
						continue;
					case "	":
						console.assert(e.pending.length === 1), e.pending = n, e.indent += "	", e.indent_len += 4;
						continue;
					case "\n":
						if (console.assert(e.pending.length === 1), e.tokens[e.len] === 25 && e.token === 21) {
							V(e), W(e), e.pending = n;
							continue;
						}
						U(e, e.blockquote_idx), W(e), e.blockquote_idx = 0, e.fence_start = 0, e.pending = n;
						continue;
					case "#":
						switch (n) {
							case "#":
								if (e.pending.length < 6) {
									e.pending = t;
									continue;
								}
								break;
							case " ":
								Mt(e, e.indent_len), H(e, Et(e.pending.length)), W(e);
								continue;
						}
						break;
					case ">": {
						let t = jt(e, 20, e.blockquote_idx + 1);
						t === -1 ? (U(e, e.blockquote_idx), e.blockquote_idx += 1, e.fence_start = 0, H(e, 20)) : e.blockquote_idx = t, W(e), e.pending = n;
						continue;
					}
					case "-":
					case "*":
					case "_":
						if (e.hr_chars === 0 && (console.assert(e.pending.length === 1, "Pending should be one character"), e.hr_chars = 1, e.hr_char = e.pending), e.hr_chars > 0) {
							switch (n) {
								case e.hr_char:
									e.hr_chars += 1, e.pending = t;
									continue;
								case " ":
									e.pending = t;
									continue;
								case "\n":
									if (e.hr_chars < 3) break;
									Mt(e, e.indent_len), e.renderer.add_token(e.renderer.data, 22), e.renderer.end_token(e.renderer.data), W(e), e.hr_chars = 0;
									continue;
							}
							e.hr_chars = 0;
						}
						if (e.pending[0] !== "_" && e.pending[1] === " ") {
							Nt(e, 23), Pt(e, 2), G(e, t.slice(2));
							continue;
						}
						break;
					case "`":
						if (e.pending.length < 3) {
							if (n === "`") {
								e.pending = t, e.fence_start = t.length;
								continue;
							}
							e.fence_start = 0;
							break;
						}
						switch (n) {
							case "`":
								e.pending.length === e.fence_start ? (e.pending = t, e.fence_start = t.length) : (H(e, 2), W(e), e.fence_start = 0, G(e, t));
								continue;
							case "\n":
								Mt(e, e.indent_len), H(e, 10), e.pending.length > e.fence_start && e.renderer.set_attr(e.renderer.data, 4, e.pending.slice(e.fence_start)), W(e), e.token = 101;
								continue;
							default:
								e.pending = t;
								continue;
						}
					case "+":
						if (n !== " ") break;
						Nt(e, 23), Pt(e, 2);
						continue;
					case "0":
					case "1":
					case "2":
					case "3":
					case "4":
					case "5":
					case "6":
					case "7":
					case "8":
					case "9":
						if (e.pending[e.pending.length - 1] === ".") {
							if (n !== " ") break;
							Nt(e, 24) && e.pending !== "1." && e.renderer.set_attr(e.renderer.data, 16, e.pending.slice(0, -1)), Pt(e, e.pending.length + 1);
							continue;
						}
						{
							let r = n.charCodeAt(0);
							if (r === 46 || Ft(r)) {
								e.pending = t;
								continue;
							}
						}
						break;
					case "|":
						U(e, e.blockquote_idx), H(e, 27), H(e, 28), e.pending = "", G(e, n);
						continue;
				}
				let r = t;
				if (e.token === 21) e.token = e.tokens[e.len], e.renderer.add_token(e.renderer.data, 21), e.renderer.end_token(e.renderer.data);
				else if (e.indent_len >= 4) {
					let n = 0;
					for (; n < 4; n += 1) if (e.indent[n] === "	") {
						n += 1;
						break;
					}
					r = e.indent.slice(n) + t, H(e, 9);
				} else H(e, 2);
				W(e), G(e, r);
				continue;
			case 27:
				if (e.table_state === 1) switch (n) {
					case "-":
					case " ":
					case "|":
					case ":":
						e.pending = t;
						continue;
					case "\n":
						e.table_state = 2, e.pending = "";
						continue;
					default: V(e), e.table_state = 0;
				}
				else switch (e.pending) {
					case "|":
						H(e, 28), e.pending = "", G(e, n);
						continue;
					case "\n":
						V(e), e.pending = "", e.table_state = 0, G(e, n);
						continue;
				}
				break;
			case 28:
				switch (e.pending) {
					case "": break;
					case "|":
						H(e, 29), V(e), e.pending = "", G(e, n);
						continue;
					case "\n":
						V(e), e.table_state = Math.min(e.table_state + 1, 2), e.pending = "", G(e, n);
						continue;
					default:
						H(e, 29), G(e, n);
						continue;
				}
				break;
			case 29:
				if (e.pending === "|") {
					B(e), V(e), e.pending = "", G(e, n);
					continue;
				}
				break;
			case 9: switch (t) {
				case "\n    ":
				case "\n   	":
				case "\n  	":
				case "\n 	":
				case "\n	":
					e.text += "\n", e.pending = "";
					continue;
				case "\n":
				case "\n ":
				case "\n  ":
				case "\n   ":
					e.pending = t;
					continue;
				default:
					e.pending.length === 0 ? e.text += n : (B(e), V(e), e.pending = n);
					continue;
			}
			case 10:
				switch (n) {
					case "`":
						e.pending = t;
						continue;
					case "\n":
						if (t.length === e.fence_start + e.fence_end + 1) {
							B(e), V(e), e.pending = "", e.fence_start = 0, e.fence_end = 0, e.token = 101;
							continue;
						}
						e.token = 101;
						break;
					case " ": if (e.pending[0] === "\n") {
						e.pending = t, e.fence_end += 1;
						continue;
					}
				}
				e.text += e.pending, e.pending = n, e.fence_end = 1;
				continue;
			case 11: switch (n) {
				case "`":
					t.length === e.fence_start + Number(e.pending[0] === " ") ? (B(e), V(e), e.pending = "", e.fence_start = 0) : e.pending = t;
					continue;
				case "\n":
					e.text += e.pending, e.pending = "", e.token = 21, e.blockquote_idx = 0, B(e);
					continue;
				case " ":
					e.text += e.pending, e.pending = n;
					continue;
				default:
					e.text += t, e.pending = "";
					continue;
			}
			case 103:
				switch (e.pending.length) {
					case 0:
						if (n !== "[") break;
						e.pending = t;
						continue;
					case 1:
						if (n !== " " && n !== "x") break;
						e.pending = t;
						continue;
					case 2:
						if (n !== "]") break;
						e.pending = t;
						continue;
					case 3:
						if (n !== " ") break;
						e.renderer.add_token(e.renderer.data, 26), e.pending[1] === "x" && e.renderer.set_attr(e.renderer.data, 8, ""), e.renderer.end_token(e.renderer.data), e.pending = " ";
						continue;
				}
				e.token = e.tokens[e.len], e.pending = "", G(e, t);
				continue;
			case 14:
			case 15: {
				let t = "*", r = 12;
				if (e.token === 15 && (t = "_", r = 13), t === e.pending) {
					if (B(e), t === n) {
						V(e), e.pending = "";
						continue;
					}
					H(e, r), e.pending = n;
					continue;
				}
				break;
			}
			case 12:
			case 13: {
				let r = "*", i = 14;
				switch (e.token === 13 && (r = "_", i = 15), e.pending) {
					case r:
						r === n ? e.tokens[e.len - 1] === i ? e.pending = t : (B(e), H(e, i), e.pending = "") : (B(e), V(e), e.pending = n);
						continue;
					case r + r:
						let a = e.token;
						B(e), V(e), V(e), r === n ? e.pending = "" : (H(e, a), e.pending = n);
						continue;
				}
				break;
			}
			case 16:
				if (t === "~~") {
					B(e), V(e), e.pending = "";
					continue;
				}
				break;
			case 105:
				n === "\n" ? (B(e), H(e, 30), e.pending = "") : (e.token = e.tokens[e.len], e.pending[0] === "\\" ? e.text += "[" : e.text += "$$", e.pending = "", G(e, n));
				continue;
			case 30:
				if (t === "\\]" || t === "$$") {
					B(e), V(e), e.pending = "";
					continue;
				}
				break;
			case 31:
				if (t === "\\)" || e.pending[0] === "$") {
					B(e), V(e), e.pending = n === ")" ? "" : n;
					continue;
				}
				break;
			case 102:
				t === "http://" || t === "https://" ? (B(e), H(e, 18), e.pending = t, e.text = t) : "http:/"[e.pending.length] === n || "https:/"[e.pending.length] === n ? e.pending = t : (e.token = e.tokens[e.len], G(e, n));
				continue;
			case 17:
			case 19:
				if (e.pending === "]") {
					B(e), n === "(" ? e.pending = t : (V(e), e.pending = n);
					continue;
				}
				if (e.pending[0] === "]" && e.pending[1] === "(") {
					if (n === ")") {
						let t = e.token === 17 ? 1 : 2, n = e.pending.slice(2);
						e.renderer.set_attr(e.renderer.data, t, n), V(e), e.pending = "";
					} else e.pending += n;
					continue;
				}
				break;
			case 18:
				n === " " || n === "\n" || n === "\\" ? (e.renderer.set_attr(e.renderer.data, 1, e.pending), B(e), V(e), e.pending = n) : (e.text += n, e.pending = t);
				continue;
			case 104:
				if (t.startsWith("<br")) {
					if (t.length === 3 || n === " " || n === "/" && (t.length === 4 || e.pending[e.pending.length - 1] === " ")) {
						e.pending = t;
						continue;
					}
					if (n === ">") {
						B(e), e.token = e.tokens[e.len], e.renderer.add_token(e.renderer.data, 21), e.renderer.end_token(e.renderer.data), e.pending = "";
						continue;
					}
				}
				e.token = e.tokens[e.len], e.text += "<", e.pending = e.pending.slice(1), G(e, n);
				continue;
		}
		switch (e.pending[0]) {
			case "\\":
				if (e.token === 19 || e.token === 30 || e.token === 31) break;
				switch (n) {
					case "(":
						B(e), H(e, 31), e.pending = "";
						continue;
					case "[":
						e.token = 105, e.pending = t;
						continue;
					case "\n":
						e.pending = n;
						continue;
					default:
						let r = n.charCodeAt(0);
						e.pending = "", e.text += Ft(r) || r >= 65 && r <= 90 || r >= 97 && r <= 122 ? t : n;
						continue;
				}
			case "\n":
				switch (e.token) {
					case 19:
					case 30:
					case 31: break;
					case 3:
					case 4:
					case 5:
					case 6:
					case 7:
					case 8:
						B(e), U(e, e.blockquote_idx), e.blockquote_idx = 0, e.pending = n;
						continue;
					default:
						B(e), e.pending = n, e.token = 21, e.blockquote_idx = 0;
						continue;
				}
				break;
			case "<":
				if (e.token !== 19 && e.token !== 30 && e.token !== 31) {
					B(e), e.pending = t, e.token = 104;
					continue;
				}
				break;
			case "`":
				if (e.token === 19) break;
				n === "`" ? (e.fence_start += 1, e.pending = t) : (e.fence_start += 1, B(e), H(e, 11), e.text = n === " " || n === "\n" ? "" : n, e.pending = "");
				continue;
			case "_":
			case "*": {
				if (e.token === 19 || e.token === 30 || e.token === 31 || e.token === 14) break;
				let r = 12, i = 14, a = e.pending[0];
				if (a === "_" && (r = 13, i = 15), e.pending.length === 1) {
					if (a === n) {
						e.pending = t;
						continue;
					}
					if (n !== " " && n !== "\n") {
						B(e), H(e, r), e.pending = n;
						continue;
					}
				} else {
					if (a === n) {
						B(e), H(e, i), H(e, r), e.pending = "";
						continue;
					}
					if (n !== " " && n !== "\n") {
						B(e), H(e, i), e.pending = n;
						continue;
					}
				}
				break;
			}
			case "~":
				if (e.token !== 19 && e.token !== 16) {
					if (e.pending === "~") {
						if (n === "~") {
							e.pending = t;
							continue;
						}
					} else if (n !== " " && n !== "\n") {
						B(e), H(e, 16), e.pending = n;
						continue;
					}
				}
				break;
			case "$":
				if (e.token !== 19 && e.token !== 16 && e.pending === "$") {
					if (n === "$") {
						e.token = 105, e.pending = t;
						continue;
					}
					if (Lt(n.charCodeAt(0))) break;
					B(e), H(e, 31), e.pending = n;
					continue;
				}
				break;
			case "[":
				if (e.token !== 19 && e.token !== 17 && e.token !== 30 && e.token !== 31 && n !== "]") {
					B(e), H(e, 17), e.pending = n;
					continue;
				}
				break;
			case "!":
				if (e.token !== 19 && n === "[") {
					B(e), H(e, 19), e.pending = "";
					continue;
				}
				break;
			case " ": if (e.pending.length === 1 && n === " ") continue;
		}
		e.token !== 19 && e.token !== 17 && e.token !== 30 && e.token !== 31 && n === "h" && (e.pending === " " || e.pending === "") ? (e.text += e.pending, e.pending = n, e.token = 102) : (e.text += e.pending, e.pending = n);
	}
	B(e);
}
function Rt(e, t) {
	if (t.has(e)) throw TypeError("Cannot initialize the same private elements twice on an object");
}
function K(e, t, n) {
	Rt(e, t), t.set(e, n);
}
function zt(e, t, n) {
	if (typeof e == "function" ? e === t : e.has(t)) return arguments.length < 3 ? t : n;
	throw TypeError("Private element is not present on this object");
}
function q(e, t, n) {
	return e.set(zt(e, t), n), n;
}
function J(e, t) {
	return e.get(zt(e, t));
}
var Bt = {
	2: "p",
	20: "blockquote",
	21: "br",
	22: "hr",
	12: "em",
	13: "em",
	14: "strong",
	15: "strong",
	16: "del",
	11: "code",
	23: "ul",
	24: "ol",
	25: "li",
	27: "table"
}, Vt = [
	1,
	20,
	23,
	24,
	27,
	28
], Ht = [
	"http:",
	"https:",
	"mailto:"
];
function Ut(e) {
	try {
		let t = new URL(e.trim().split(/\s/)[0] ?? "");
		return Ht.includes(t.protocol) ? t.href : void 0;
	} catch {
		return;
	}
}
var Y = (e) => document.createElement(e), X = (e) => e.nodes[e.nodes.length - 1], Wt = (e) => e.tokens[e.tokens.length - 1];
function Gt(e, t) {
	let n = X(e);
	e.stash && !Vt.includes(Wt(e)) && (n.append(e.stash), e.stash = "");
	let r, i;
	switch (t) {
		case 9:
		case 10:
			i = Xt(e, r = Y("code"));
			break;
		case 26:
			r = Y("input"), r.setAttribute("type", "checkbox"), r.setAttribute("disabled", "");
			break;
		case 28:
			n = n.children[1] ?? n.appendChild(Y(n.firstElementChild ? "tbody" : "thead")), r = Y("tr");
			break;
		case 29:
			r = Y(n.parentElement?.tagName === "THEAD" ? "th" : "td");
			break;
		default: {
			let e = Dt(t);
			r = Y(e ? `h${e}` : Bt[t] ?? "span");
		}
	}
	n.append(i ?? r), e.nodes.push(r), e.tokens.push(t);
}
function Kt(e) {
	if (e.nodes.length > 1) {
		let t = e.nodes.pop();
		e.tokens.pop() === 17 && !e.withUrl.has(t) && (t.prepend("["), t.append("]"));
	}
}
function qt(e, t) {
	Vt.includes(Wt(e)) ? e.stash += t : (X(e).append(e.stash + t), e.stash = "");
}
function Jt(e, t, n) {
	let r = X(e);
	switch (t) {
		case 1:
		case 2:
			Yt(e, n, t === 2), e.withUrl.add(X(e));
			break;
		case 4:
			n = n.trim(), /^[\w+-]{1,20}$/.test(n) && r.parentElement?.setAttribute("data-lang", n);
			break;
		case 8:
			r.setAttribute("checked", "");
			break;
		case 16: /^\d{1,9}$/.test(n) && r.setAttribute("start", n);
	}
}
function Yt(e, t, n) {
	let r = Wt(e), i = Ut(t);
	if (!i || r !== 17 && r !== 18 && r !== 19 || n && e.tokens.includes(17)) return;
	let a = X(e), o = Y("a");
	o.setAttribute("href", i), o.setAttribute("target", "_blank"), o.setAttribute("rel", "noopener noreferrer"), o.append(...a.childNodes), n && !o.firstChild && o.append(i), a.replaceWith(o), e.nodes[e.nodes.length - 1] = o;
}
function Xt(e, t) {
	let n = Y("div"), r = Y("button"), i = Y("pre");
	return n.setAttribute("part", "code-block"), r.setAttribute("part", "copy-button"), r.setAttribute("type", "button"), r.textContent = e.copyLabel, r.addEventListener("click", () => {
		Promise.resolve(t.textContent ?? "").then((e) => navigator.clipboard.writeText(e)).then(() => {
			r.textContent = e.copiedLabel, setTimeout(() => r.textContent = e.copyLabel, 1500);
		}, () => {});
	}), i.append(t), n.append(r, i), n;
}
var Zt = /* @__PURE__ */ new WeakMap(), Z = /* @__PURE__ */ new WeakMap(), Qt = /* @__PURE__ */ new WeakMap(), Q = /* @__PURE__ */ new WeakMap(), $t = /* @__PURE__ */ new WeakMap(), en = /* @__PURE__ */ new WeakMap(), tn = /* @__PURE__ */ new WeakMap(), nn = class {
	constructor(e, t = {}) {
		K(this, Zt, void 0), K(this, Z, void 0), K(this, Qt, void 0), K(this, Q, ""), K(this, $t, ""), K(this, en, !1), K(this, tn, !1), q(Qt, this, t.schedule ?? ((e) => requestAnimationFrame(e))), q(Z, this, {
			nodes: [e],
			tokens: [1],
			stash: "",
			copyLabel: t.copyLabel ?? "Copy",
			copiedLabel: t.copiedLabel ?? "Copied",
			withUrl: /* @__PURE__ */ new WeakSet()
		}), q(Zt, this, kt({
			data: J(Z, this),
			add_token: Gt,
			end_token: Kt,
			add_text: qt,
			set_attr: Jt
		}));
	}
	get text() {
		return J($t, this);
	}
	write(e) {
		!J(tn, this) && e && (q($t, this, J($t, this) + e), q(Q, this, J(Q, this) + e), J(en, this) || (q(en, this, !0), J(Qt, this).call(this, () => {
			q(en, this, !1), this.flush();
		})));
	}
	flush() {
		if (!J(Q, this)) return;
		let e = J(Q, this);
		q(Q, this, ""), G(J(Zt, this), e);
	}
	end() {
		J(tn, this) || (this.flush(), q(tn, this, !0), At(J(Zt, this)), J(Z, this).stash && X(J(Z, this)).append(J(Z, this).stash), J(Z, this).stash = "");
	}
}, rn = wt(class extends Tt {
	constructor(e) {
		if (super(e), this.view = null, this.ended = !1, e.type !== Ct.ELEMENT) throw Error("markdown() goes on an element");
	}
	render(e, t, n) {
		return E;
	}
	update(e, [t, n, r]) {
		let i = e.element;
		return (!this.view || !t.startsWith(this.view.text) || this.ended && t !== this.view.text) && (i.replaceChildren(), this.view = new nn(i, r), this.ended = !1), t.length > this.view.text.length && this.view.write(t.slice(this.view.text.length)), n && !this.ended && (this.view.end(), this.ended = !0), E;
	}
}), an = {
	open: "Open chat",
	close: "Close chat",
	placeholder: "Write a message…",
	send: "Send",
	stop: "Stop",
	newChat: "New chat",
	retry: "Retry",
	copy: "Copy",
	copied: "Copied",
	thinking: "Thinking…",
	stopped: "Stopped.",
	failed: "Something went wrong.",
	offline: "The chat is not available right now.",
	rateLimited: "Too many messages. Please wait a moment.",
	tryAgainIn: "You can send again in {s} s.",
	tryAgainAt: "You can send again at {time}.",
	toolCall: "Used {name}",
	toolError: "{name} failed",
	input: "Input",
	result: "Result",
	passwordPrompt: "This chat is protected. Enter the password to continue.",
	password: "Password",
	unlock: "Continue",
	wrongPassword: "That password is not right.",
	poweredBy: "Powered by Porch",
	messageLabel: "Message",
	you: "You",
	assistant: "Assistant",
	attach: "Attach a file",
	removeAttachment: "Remove {name}",
	attachmentType: "{name} cannot be attached: only images and text files can.",
	attachmentSize: "{name} is too large (at most {mb} MB).",
	attachmentCount: "At most {n} files per message.",
	sources: "Sources",
	helpful: "Helpful",
	notHelpful: "Not helpful",
	feedbackComment: "What could be better? (optional)",
	sendFeedback: "Send feedback",
	feedbackThanks: "Thank you for your feedback.",
	personJoined: "A person joined the chat: {name}",
	agentBack: "The agent is back.",
	conversations: "Conversations",
	noConversations: "No earlier conversations."
}, on = {
	en: an,
	de: {
		open: "Chat öffnen",
		close: "Chat schließen",
		placeholder: "Nachricht schreiben…",
		send: "Senden",
		stop: "Stopp",
		newChat: "Neuer Chat",
		retry: "Erneut versuchen",
		copy: "Kopieren",
		copied: "Kopiert",
		thinking: "Denkt nach…",
		stopped: "Angehalten.",
		failed: "Etwas ist schiefgelaufen.",
		offline: "Der Chat ist gerade nicht erreichbar.",
		rateLimited: "Zu viele Nachrichten. Bitte kurz warten.",
		tryAgainIn: "Sie können in {s} s wieder senden.",
		tryAgainAt: "Sie können um {time} Uhr wieder senden.",
		toolCall: "{name} verwendet",
		toolError: "{name} fehlgeschlagen",
		input: "Eingabe",
		result: "Ergebnis",
		passwordPrompt: "Dieser Chat ist geschützt. Bitte Passwort eingeben.",
		password: "Passwort",
		unlock: "Weiter",
		wrongPassword: "Das Passwort stimmt nicht.",
		poweredBy: "Bereitgestellt mit Porch",
		messageLabel: "Nachricht",
		you: "Sie",
		assistant: "Assistent",
		attach: "Datei anhängen",
		removeAttachment: "{name} entfernen",
		attachmentType: "{name} kann nicht angehängt werden: nur Bilder und Textdateien.",
		attachmentSize: "{name} ist zu groß (höchstens {mb} MB).",
		attachmentCount: "Höchstens {n} Dateien pro Nachricht.",
		sources: "Quellen",
		helpful: "Hilfreich",
		notHelpful: "Nicht hilfreich",
		feedbackComment: "Was könnte besser sein? (optional)",
		sendFeedback: "Feedback senden",
		feedbackThanks: "Danke für Ihr Feedback.",
		personJoined: "Eine Person ist dem Chat beigetreten: {name}",
		agentBack: "Der Assistent ist wieder da.",
		conversations: "Unterhaltungen",
		noConversations: "Keine früheren Unterhaltungen."
	}
};
function sn(e, t = {}) {
	return {
		...on[(e ?? "en").toLowerCase().split("-")[0] ?? "en"] ?? an,
		...t
	};
}
var $ = (e, t) => e.replace(/\{(\w+)\}/g, (e, n) => String(t[n] ?? ""));
function cn(e, t, n, r) {
	if (e.role === "user") {
		let n = e.parts.map((e) => e.type === "text" ? e.text : "").join("");
		return w`<div class="message user" part="message message-user"><span class="sr-only">${t.you}: </span>${n}${e.parts.map((e) => e.type === "attachment" ? w`<span class="file attachment" part="attachment">📎 ${e.attachment.filename} (${pn(e.attachment.size)})</span>` : E)}</div>`;
	}
	if (e.notice) return w`<div class="note notice" part="notice">${e.notice === "joined" ? $(t.personJoined, { name: e.author ?? "" }) : t.agentBack}</div>`;
	let i = e.state !== "streaming", a = e.parts.length === 0;
	return w`<div class="message assistant" part="message message-assistant" data-state=${e.state}>
    ${e.author ? w`<div class="author" part="author">${e.author}</div>` : w`<span class="sr-only">${t.assistant}: </span>`}
    ${e.parts.map((n, r) => n.type === "text" ? w`<div class="md" ${rn(n.text, i || r < e.parts.length - 1, {
		copyLabel: t.copy,
		copiedLabel: t.copied
	})}></div>` : n.type === "tool" ? un(n.tool, t) : n.type === "file" ? dn(n.file) : E)}
    ${e.sources ? fn(e.sources, t) : E}
    ${a && e.state === "streaming" ? w`<span class="note typing">${t.thinking}</span>` : E}
    ${e.state === "stopped" ? w`<div class="note">${t.stopped}</div>` : E}
    ${e.state === "done" && !a ? ln(e, t, n) : E}
    ${e.state === "error" ? mn(e, t, n, r) : E}
  </div>`;
}
function ln(e, t, n) {
	let r = e.feedback?.rating, i = (t, i, a) => w`<button type="button" class="ghost thumb" part="feedback-button" aria-label=${i} title=${i} aria-pressed=${r === t ? "true" : "false"} @click=${() => n.rate(e.id, r === t ? null : t)}>${a}</button>`;
	return w`<div class="feedback" part="feedback">
    ${i("up", t.helpful, "👍")}${i("down", t.notHelpful, "👎")}
    ${e.feedback?.commenting ? w`<form part="feedback-form" @submit=${(t) => {
		t.preventDefault();
		let i = t.currentTarget.elements.namedItem("comment");
		r && n.rate(e.id, r, i.value.trim());
	}}>
          <label>${t.feedbackComment}<textarea name="comment" part="feedback-comment" maxlength=${A.feedbackCommentChars} rows="2"></textarea></label>
          <button type="submit" class="ghost" part="feedback-send">${t.sendFeedback}</button>
        </form>` : E}
  </div>`;
}
function un(e, t) {
	let n = $(e.isError ? t.toolError : t.toolCall, { name: e.name });
	return w`<details class="tool" part="tool" ?data-error=${e.isError === !0}>
    <summary>${n}${e.result === void 0 ? "…" : ""}</summary>
    <div>${t.input}</div>
    <pre>${JSON.stringify(e.input ?? {}, null, 2)}</pre>
    ${e.result === void 0 ? E : w`<div>${t.result}</div><pre>${e.result}</pre>`}
  </details>`;
}
function dn(e) {
	let t = gn(e.url);
	return t ? w`<a class="file" part="file" href=${t} download=${e.filename} target="_blank" rel="noopener noreferrer">⬇ ${e.filename} (${pn(e.size)})</a>` : E;
}
function fn(e, t) {
	return w`<nav class="sources" part="sources" aria-label=${t.sources}>
    <span aria-hidden="true">${t.sources}:</span>
    <ol>
      ${e.map((e) => {
		let t = e.url && gn(e.url), n = `[${e.index}] ${e.label}`;
		return w`<li>${t ? w`<a part="source" href=${t} target="_blank" rel="noopener noreferrer">${n}</a>` : n}</li>`;
	})}
    </ol>
  </nav>`;
}
var pn = (e) => e >= 1048576 ? `${(e / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(e / 1024))} KB`;
function mn(e, t, n, r) {
	let i = e.retryAt ?? 0, a = Math.ceil((i - r) / 1e3);
	return w`<div class="error" part="error" role="alert">
    <span>${e.error || t.failed}</span>
    ${a > 0 ? w`<span class="note">${hn(t, a, i)}</span>` : E}
    <button type="button" class="ghost" part="retry-button" ?disabled=${a > 0} @click=${() => n.retry(e.id)}>${t.retry}</button>
  </div>`;
}
function hn(e, t, n) {
	return t <= 90 ? $(e.tryAgainIn, { s: t }) : $(e.tryAgainAt, { time: new Date(n).toLocaleTimeString([], {
		hour: "2-digit",
		minute: "2-digit"
	}) });
}
function gn(e) {
	try {
		let t = new URL(e, document.baseURI);
		return t.protocol === "https:" || t.protocol === "http:" ? t.href : null;
	} catch {
		return null;
	}
}
var _n = o`
    --porch-bg: #17191d;
    --porch-fg: #eceef2;
    --porch-muted: #a3aab6;
    --porch-border: #343841;
    --porch-bubble-user: #23335c;
    --porch-bubble-assistant: #24272d;
    --porch-error: #ff8a80;
    --porch-accent: #6f9bff;
    --porch-accent-text: #0b1020;
`, vn = o`
  :host {
    --porch-accent: #2557d6;
    --porch-accent-text: #ffffff;
    --porch-bg: #ffffff;
    --porch-fg: #1b1d21;
    --porch-muted: #5d6470;
    --porch-border: #d9dde3;
    --porch-bubble-user: #e8eefc;
    --porch-bubble-assistant: #f3f4f6;
    --porch-error: #b42318;
    --porch-radius: 14px;
    --porch-font: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    --porch-font-size: 15px;
    --porch-width: 400px;
    --porch-height: 640px;
    --porch-offset-x: 20px;
    --porch-offset-y: 20px;
    --porch-launcher-size: 56px;
    --porch-z-index: 2147483000;
    display: block;
    font-family: var(--porch-font);
    font-size: var(--porch-font-size);
    color: var(--porch-fg);
    line-height: 1.45;
  }
  :host([theme='dark']) {
    ${_n}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${_n}
    }
  }
  :host([mode='bubble']) {
    display: contents;
  }
  :host([mode='inline']) {
    height: 100%;
    min-height: 320px;
  }
  :host([mode='page']) {
    height: 100dvh;
  }
  *, *::before, *::after {
    box-sizing: border-box;
  }
  button {
    font: inherit;
    cursor: pointer;
  }
  button:focus-visible, textarea:focus-visible, input:focus-visible, summary:focus-visible, a:focus-visible {
    outline: 2px solid var(--porch-accent);
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }

  .launcher {
    position: fixed;
    bottom: var(--porch-offset-y);
    right: var(--porch-offset-x);
    z-index: var(--porch-z-index);
    width: var(--porch-launcher-size);
    height: var(--porch-launcher-size);
    border: 0;
    border-radius: 50%;
    background: var(--porch-accent);
    color: var(--porch-accent-text);
    box-shadow: 0 6px 24px rgb(0 0 0 / 0.22);
    display: grid;
    place-items: center;
  }
  :host([position='bottom-left']) .launcher {
    right: auto;
    left: var(--porch-offset-x);
  }
  .launcher svg {
    width: 26px;
    height: 26px;
  }

  .panel {
    display: flex;
    flex-direction: column;
    background: var(--porch-bg);
    color: var(--porch-fg);
    height: 100%;
    overflow: hidden;
  }
  :host([mode='inline']) .panel {
    border: 1px solid var(--porch-border);
    border-radius: var(--porch-radius);
  }
  :host([mode='bubble']) .panel {
    position: fixed;
    inset: auto var(--porch-offset-x) calc(var(--porch-offset-y) + var(--porch-launcher-size) + 12px) auto;
    margin: 0;
    padding: 0;
    z-index: var(--porch-z-index);
    width: min(var(--porch-width), calc(100vw - 2 * var(--porch-offset-x)));
    height: min(var(--porch-height), calc(100dvh - var(--porch-launcher-size) - 2 * var(--porch-offset-y) - 12px));
    border: 1px solid var(--porch-border);
    border-radius: var(--porch-radius);
    box-shadow: 0 12px 48px rgb(0 0 0 / 0.25);
  }
  :host([mode='bubble'][position='bottom-left']) .panel {
    inset: auto auto calc(var(--porch-offset-y) + var(--porch-launcher-size) + 12px) var(--porch-offset-x);
  }
  :host([mode='bubble']) .panel:not(.open) {
    display: none;
  }
  @media (max-width: 480px) {
    :host([mode='bubble']) .panel {
      inset: 0;
      width: 100vw;
      height: 100dvh;
      border-radius: 0;
    }
  }

  header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 10px 12px 10px 16px;
    border-bottom: 1px solid var(--porch-border);
  }
  header h2 {
    flex: 1;
    margin: 0;
    font-size: 1.05em;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .ghost {
    border: 1px solid var(--porch-border);
    background: transparent;
    color: var(--porch-fg);
    border-radius: 8px;
    padding: 4px 10px;
  }
  .icon {
    border: 0;
    background: transparent;
    color: var(--porch-fg);
    width: 32px;
    height: 32px;
    border-radius: 8px;
    font-size: 20px;
    line-height: 1;
  }

  .transcript {
    flex: 1;
    overflow-y: auto;
    padding: 16px;
    display: flex;
    flex-direction: column;
    gap: 12px;
    overscroll-behavior: contain;
  }
  .message {
    max-width: 88%;
    padding: 10px 14px;
    border-radius: var(--porch-radius);
    overflow-wrap: anywhere;
  }
  .message.user {
    align-self: flex-end;
    background: var(--porch-bubble-user);
    white-space: pre-wrap;
  }
  .message.assistant {
    align-self: flex-start;
    background: var(--porch-bubble-assistant);
  }
  .message :is(p, ul, ol, pre, blockquote, table, h1, h2, h3, h4, h5, h6) {
    margin: 0 0 0.6em;
  }
  .message :is(p, ul, ol, pre, blockquote, table):last-child {
    margin-bottom: 0;
  }
  .message blockquote {
    margin-left: 0;
    padding-left: 10px;
    border-left: 3px solid var(--porch-border);
    color: var(--porch-muted);
  }
  .message a {
    color: var(--porch-accent);
  }
  .message code {
    font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
    font-size: 0.9em;
  }
  .message pre {
    position: relative;
    background: rgb(0 0 0 / 0.06);
    padding: 10px;
    border-radius: 8px;
    overflow-x: auto;
  }
  .message [part~='copy-button'] {
    position: absolute;
    top: 6px;
    right: 6px;
    font-size: 12px;
    border: 1px solid var(--porch-border);
    background: var(--porch-bg);
    color: var(--porch-fg);
    border-radius: 6px;
    padding: 2px 8px;
  }
  .message [part~='code-block'] {
    position: relative;
    margin: 0 0 0.6em;
  }
  .message [part~='code-block'] pre {
    margin: 0;
    padding-top: 28px;
  }
  .message table {
    border-collapse: collapse;
  }
  .message :is(th, td) {
    border: 1px solid var(--porch-border);
    padding: 4px 8px;
  }
  .note {
    color: var(--porch-muted);
    font-size: 0.9em;
  }
  .notice {
    align-self: center;
    text-align: center;
  }
  .author {
    font-size: 0.8em;
    font-weight: 600;
    color: var(--porch-muted);
  }
  .typing::after {
    content: '…';
  }

  details.tool {
    margin: 6px 0;
    border: 1px solid var(--porch-border);
    border-radius: 8px;
    padding: 4px 10px;
    font-size: 0.9em;
  }
  details.tool[data-error] summary {
    color: var(--porch-error);
  }
  details.tool pre {
    white-space: pre-wrap;
    margin: 4px 0;
  }
  .file {
    display: inline-flex;
    gap: 6px;
    margin: 4px 6px 0 0;
    padding: 4px 10px;
    border: 1px solid var(--porch-border);
    border-radius: 999px;
    text-decoration: none;
    color: var(--porch-fg);
  }
  .feedback {
    margin-top: 6px;
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
  }
  .thumb[aria-pressed='true'] {
    background: var(--porch-border);
  }
  .feedback form {
    flex-basis: 100%;
    display: grid;
    gap: 4px;
    font-size: 0.85em;
  }
  .feedback textarea {
    font: inherit;
    width: 100%;
    box-sizing: border-box;
  }
  .sources {
    margin-top: 8px;
    font-size: 0.85em;
    color: var(--porch-muted);
  }
  .sources ol {
    list-style: none;
    margin: 2px 0 0;
    padding: 0;
  }
  .sources a {
    text-decoration: none;
    overflow-wrap: anywhere;
  }
  .sources a:hover {
    text-decoration: underline;
  }
  .attachments {
    padding: 6px 12px 0;
  }
  .attachments .icon {
    width: auto;
    height: auto;
    padding: 0 2px;
    font-size: 1em;
  }
  .attach svg {
    width: 20px;
    height: 20px;
  }
  .error {
    color: var(--porch-error);
    display: flex;
    gap: 8px;
    align-items: center;
    flex-wrap: wrap;
    margin-top: 6px;
  }

  .conversations {
    flex: 1;
    overflow-y: auto;
    display: flex;
    flex-direction: column;
    gap: 6px;
    padding: 12px 16px;
  }
  .conversations button {
    text-align: start;
    border: 1px solid var(--porch-border);
    background: var(--porch-bg);
    color: var(--porch-fg);
    border-radius: var(--porch-radius);
    padding: 8px 12px;
  }

  .starters {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    padding: 0 16px 12px;
  }
  .starters button {
    border: 1px solid var(--porch-border);
    background: var(--porch-bg);
    color: var(--porch-fg);
    border-radius: 999px;
    padding: 6px 12px;
  }

  form.composer {
    display: flex;
    gap: 8px;
    padding: 12px;
    border-top: 1px solid var(--porch-border);
    align-items: flex-end;
  }
  textarea {
    flex: 1;
    resize: none;
    font: inherit;
    color: var(--porch-fg);
    background: var(--porch-bg);
    border: 1px solid var(--porch-border);
    border-radius: 10px;
    padding: 8px 10px;
    max-height: 160px;
    min-height: 40px;
  }
  .primary {
    border: 0;
    background: var(--porch-accent);
    color: var(--porch-accent-text);
    border-radius: 10px;
    padding: 9px 14px;
  }
  .primary:disabled {
    opacity: 0.5;
    cursor: default;
  }
  .center {
    margin: auto;
    padding: 24px;
    text-align: center;
    display: flex;
    flex-direction: column;
    gap: 10px;
    align-items: center;
  }
  .center input {
    font: inherit;
    padding: 8px 10px;
    border: 1px solid var(--porch-border);
    border-radius: 10px;
    background: var(--porch-bg);
    color: var(--porch-fg);
  }
  footer {
    text-align: center;
    font-size: 11px;
    color: var(--porch-muted);
    padding: 0 0 8px;
  }
`;
async function yn(e, t) {
	try {
		let { token: n } = await (await M(P(e).unlock, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ password: t })
		})).json();
		return typeof n == "string" ? (L.setVisitorToken(e, n), !0) : "The chat service sent no token.";
	} catch (e) {
		return e instanceof j ? e.message : "The chat service could not be reached.";
	}
}
var bn, xn = w`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5"/></svg>`, Sn = [
	...Ie.images,
	...Ie.text,
	".md",
	".csv",
	".txt",
	".json"
].join(","), Cn = w`<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>`, wn = class extends k {
	constructor(...e) {
		super(...e), this.host = "", this.agent = "", this.link = "", this.mode = "bubble", this.title = "", this.position = "bottom-right", this.open = !1, this.zIndex = "", this.theme = "auto", this.lang = "", this.userToken = "", this.strings = {}, this.chat = new St(this, { target: () => ({
			host: this.host,
			agent: this.agent || void 0,
			link: this.link || void 0,
			userToken: this.userToken || void 0
		}) }), this.started = !1, this.draft = "", this.unlockError = "", this.stickToBottom = !0, this.wantFocus = !1, this.messageHandlers = {
			retry: (e) => void this.chat.retry(e),
			rate: async (e, t, n) => {
				await this.chat.rate(e, t, n) && n !== void 0 && (this.chat.announcement = this.text.feedbackThanks), this.requestUpdate();
			}
		};
	}
	setUserToken(e) {
		this.userToken = e;
	}
	get text() {
		return sn(this.lang || (typeof document > "u" ? "en" : document.documentElement.lang), this.strings);
	}
	connectedCallback() {
		super.connectedCallback(), this.tick = setInterval(() => this.chat.messages.some((e) => (e.retryAt ?? 0) > Date.now() - 1e3) && this.requestUpdate(), 1e3);
	}
	disconnectedCallback() {
		super.disconnectedCallback(), clearInterval(this.tick), this.transcriptObserver?.disconnect(), this.transcriptObserver = void 0;
	}
	willUpdate(e) {
		e.has("zIndex") && this.style.setProperty("--porch-z-index", this.zIndex || null);
		let t = this.mode !== "bubble" || this.open, n = e.has("userToken") && this.chat.phase === "unavailable";
		((e.has("agent") || e.has("link") || e.has("host") || n) && this.started || t && !this.started) && this.start(), this.chat.follow(t);
	}
	updated(e) {
		e.has("open") && this.mode === "bubble" && e.get("open") !== void 0 && (this.emit(this.open ? "porch-open" : "porch-close", null), this.open && this.focusInput()), this.followTranscript(), this.focusWhenReady();
	}
	followTranscript() {
		let e = this.renderRoot.querySelector(".transcript");
		e && !e.dataset.followed && (e.dataset.followed = "true", e.addEventListener("scroll", () => {
			this.stickToBottom = e.scrollHeight - e.scrollTop - e.clientHeight < 40;
		}), this.transcriptObserver?.disconnect(), this.transcriptObserver = new MutationObserver(() => {
			this.stickToBottom && (e.scrollTop = e.scrollHeight);
		}), this.transcriptObserver.observe(e, {
			childList: !0,
			subtree: !0,
			characterData: !0
		}), e.scrollTop = e.scrollHeight);
	}
	start() {
		this.started = !0, this.chat.connect();
	}
	focusInput() {
		(typeof matchMedia != "function" || matchMedia("(pointer: fine)").matches) && (this.wantFocus = !0);
	}
	focusWhenReady() {
		let e = this.renderRoot.querySelector("textarea");
		this.wantFocus && e && !e.disabled && (this.wantFocus = !1, e.focus());
	}
	emit(e, t, n = !1) {
		return this.dispatchEvent(new CustomEvent(e, {
			bubbles: !0,
			composed: !0,
			cancelable: n,
			detail: t
		}));
	}
	async send(e) {
		if (!e.trim() || this.chat.busy || !this.emit("porch-send", { text: e }, !0)) return;
		this.draft = "", this.stickToBottom = !0;
		let t = this.renderRoot.querySelector("textarea");
		t && (t.value = ""), await this.chat.send(e);
		let n = this.chat.messages.at(-1);
		this.emit("porch-answer", { state: n?.state });
	}
	onKeydown(e) {
		e.key === "Enter" && !e.shiftKey && !e.isComposing && (e.preventDefault(), this.send(e.target.value));
	}
	onLauncherKeydown(e) {
		e.key === "Escape" && this.open && (e.preventDefault(), this.open = !1);
	}
	onPanelKeydown(e) {
		if (this.mode !== "bubble") return;
		if (e.key === "Escape") {
			e.preventDefault(), this.open = !1, this.updateComplete.then(() => this.renderRoot.querySelector(".launcher")?.focus());
			return;
		}
		if (e.key !== "Tab") return;
		let t = [...this.renderRoot.querySelectorAll(".panel :is(button, textarea, input, summary, a[href]):not([disabled])")], n = t[0], r = t.at(-1), i = this.renderRoot.activeElement;
		e.shiftKey && i === n ? (e.preventDefault(), r?.focus()) : !e.shiftKey && i === r && (e.preventDefault(), n?.focus());
	}
	async onUnlock(e) {
		e.preventDefault();
		let t = e.target.querySelector("input");
		this.unlockError = "";
		let n = await yn({
			host: this.host,
			link: this.link
		}, t.value);
		n === !0 ? await this.chat.connect() : this.unlockError = n, this.requestUpdate();
	}
	render() {
		let e = this.text, t = this.title || this.chat.info?.name || "", n = w`<section class="panel ${this.open ? "open" : ""}" part="panel" id="panel" role=${this.mode === "bubble" ? "dialog" : "region"} aria-label=${t || e.open} @keydown=${this.onPanelKeydown}>
      <header part="header">
        <h2 part="title">${t}</h2>
        ${this.userToken && this.chat.phase === "ready" ? w`<button type="button" class="ghost" part="conversations-button" aria-expanded=${String(!!this.chat.conversations)} @click=${() => this.chat.toggleConversations()}>${e.conversations}</button>` : E}
        ${this.chat.messages.length > 0 ? w`<button type="button" class="ghost" part="new-chat-button" @click=${() => this.chat.newChat()}>${e.newChat}</button>` : E}
        ${this.mode === "bubble" ? w`<button type="button" class="icon" part="close-button" aria-label=${e.close} @click=${() => this.open = !1}>×</button>` : E}
      </header>
      ${this.renderBody(e)}
    </section>`;
		return this.mode === "bubble" ? w`<button type="button" class="launcher" part="launcher" aria-label=${this.open ? e.close : e.open} aria-expanded=${String(this.open)} aria-controls="panel" @click=${() => this.open = !this.open} @keydown=${this.onLauncherKeydown}>${Cn}</button>${n}` : n;
	}
	renderBody(e) {
		let { phase: t, info: n, messages: r } = this.chat;
		if (t === "unavailable") return w`<div class="center" role="alert">${this.chat.problem || e.offline}</div>`;
		if (t === "locked") return w`<form class="center" part="password-form" @submit=${this.onUnlock}>
        <p>${e.passwordPrompt}</p>
        <label>${e.password} <input type="password" name="password" autocomplete="current-password" required /></label>
        ${this.unlockError ? w`<div class="error" role="alert">${this.unlockError}</div>` : E}
        <button class="primary" type="submit">${e.unlock}</button>
      </form>`;
		if (this.chat.conversations) return w`<nav class="conversations" part="conversations" aria-label=${e.conversations}>
        ${this.chat.conversations.length ? E : w`<p>${e.noConversations}</p>`}
        ${this.chat.conversations.map((e) => w`<button type="button" part="conversation" @click=${() => this.chat.openConversation(e.session_id)}>${e.preview || "…"}</button>`)}
      </nav>`;
		let i = Date.now();
		return w`<div class="transcript" part="transcript" role="log" aria-live="polite" aria-busy=${String(this.chat.busy)} tabindex="0">
        ${n?.welcome_message ? w`<div class="message assistant" part="message message-assistant welcome">${n.welcome_message}</div>` : E}
        ${r.map((t) => cn(t, e, this.messageHandlers, i))}
      </div>
      ${r.length === 0 && n?.starters.length ? w`<div class="starters" part="starters">${n.starters.map((e) => w`<button type="button" part="starter" @click=${() => this.send(e)}>${e}</button>`)}</div>` : E}
      ${this.renderAttachments(e)}
      <form class="composer" part="composer" @submit=${(e) => {
			e.preventDefault(), this.send(this.draft);
		}}>
        ${n?.accepts_attachments ? w`<input id="files" class="sr-only" type="file" multiple tabindex="-1" accept=${Sn} @change=${this.onFilesChosen} />
              <button type="button" class="icon attach" part="attach-button" aria-label=${e.attach} title=${e.attach} ?disabled=${t !== "ready" || this.chat.busy}
                @click=${() => this.renderRoot.querySelector("#files")?.click()}>${xn}</button>` : E}
        <label class="sr-only" for="input">${e.messageLabel}</label>
        <textarea id="input" part="input" rows="1" placeholder=${e.placeholder} .value=${this.draft} ?disabled=${t !== "ready"} @input=${(e) => this.draft = e.target.value} @keydown=${this.onKeydown}></textarea>
        ${this.chat.busy ? w`<button type="button" class="primary" part="stop-button" @click=${() => this.chat.stop()}>${e.stop}</button>` : w`<button type="submit" class="primary" part="send-button" ?disabled=${t !== "ready"}>${e.send}</button>`}
      </form>
      <div class="sr-only" role="status">${this.chat.announcement}</div>`;
	}
	onFilesChosen(e) {
		let t = e.target;
		this.chat.attach(t.files ?? []), t.value = "";
	}
	renderAttachments(e) {
		let { attachments: t, attachmentProblem: n } = this.chat;
		if (t.length === 0 && !n) return E;
		let r = n && $(e[n.kind === "type" ? "attachmentType" : n.kind === "size" ? "attachmentSize" : "attachmentCount"], {
			name: n.name,
			mb: A.attachmentBytes / 1024 / 1024,
			n: A.attachmentsPerMessage
		});
		return w`<div class="attachments" part="attachments">
      ${t.map((t, n) => w`<span class="file" part="attachment">📎 ${t.name} (${pn(t.size)})
        <button type="button" class="icon" aria-label=${$(e.removeAttachment, { name: t.name })} @click=${() => this.chat.detach(n)}>×</button></span>`)}
      ${r ? w`<div class="error" role="alert">${r}</div>` : E}
    </div>`;
	}
};
bn = wn, bn.styles = vn, bn.properties = {
	host: { type: String },
	agent: { type: String },
	link: { type: String },
	mode: {
		type: String,
		reflect: !0
	},
	title: { type: String },
	position: {
		type: String,
		reflect: !0
	},
	open: {
		type: Boolean,
		reflect: !0
	},
	zIndex: {
		type: String,
		attribute: "z-index"
	},
	theme: {
		type: String,
		reflect: !0
	},
	lang: { type: String },
	userToken: {
		type: String,
		attribute: "user-token"
	},
	strings: { attribute: !1 }
}, typeof customElements < "u" && !customElements.get("porch-chat") && customElements.define("porch-chat", wn);
export { wn as PorchChat };
