#!/usr/bin/env node
/******/ (() => { // webpackBootstrap
/******/ 	"use strict";
/******/ 	var __webpack_modules__ = ({

/***/ 2613:
/***/ ((module) => {

module.exports = require("assert");

/***/ }),

/***/ 181:
/***/ ((module) => {

module.exports = require("buffer");

/***/ }),

/***/ 5317:
/***/ ((module) => {

module.exports = require("child_process");

/***/ }),

/***/ 6982:
/***/ ((module) => {

module.exports = require("crypto");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = require("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = require("fs");

/***/ }),

/***/ 8611:
/***/ ((module) => {

module.exports = require("http");

/***/ }),

/***/ 5692:
/***/ ((module) => {

module.exports = require("https");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = require("net");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = require("node:buffer");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = require("node:fs");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = require("node:http");

/***/ }),

/***/ 4708:
/***/ ((module) => {

module.exports = require("node:https");

/***/ }),

/***/ 7030:
/***/ ((module) => {

module.exports = require("node:net");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = require("node:path");

/***/ }),

/***/ 1708:
/***/ ((module) => {

module.exports = require("node:process");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = require("node:stream");

/***/ }),

/***/ 7830:
/***/ ((module) => {

module.exports = require("node:stream/web");

/***/ }),

/***/ 3136:
/***/ ((module) => {

module.exports = require("node:url");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = require("node:util");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = require("node:zlib");

/***/ }),

/***/ 857:
/***/ ((module) => {

module.exports = require("os");

/***/ }),

/***/ 6928:
/***/ ((module) => {

module.exports = require("path");

/***/ }),

/***/ 932:
/***/ ((module) => {

module.exports = require("process");

/***/ }),

/***/ 3480:
/***/ ((module) => {

module.exports = require("querystring");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = require("stream");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = require("tls");

/***/ }),

/***/ 2018:
/***/ ((module) => {

module.exports = require("tty");

/***/ }),

/***/ 7016:
/***/ ((module) => {

module.exports = require("url");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = require("util");

/***/ }),

/***/ 8167:
/***/ ((module) => {

module.exports = require("worker_threads");

/***/ })

/******/ 	});
/************************************************************************/
/******/ 	// The module cache
/******/ 	var __webpack_module_cache__ = {};
/******/ 	
/******/ 	// The require function
/******/ 	function __nccwpck_require__(moduleId) {
/******/ 		// Check if module is in cache
/******/ 		var cachedModule = __webpack_module_cache__[moduleId];
/******/ 		if (cachedModule !== undefined) {
/******/ 			return cachedModule.exports;
/******/ 		}
/******/ 		// Create a new module (and put it into the cache)
/******/ 		var module = __webpack_module_cache__[moduleId] = {
/******/ 			// no module.id needed
/******/ 			// no module.loaded needed
/******/ 			exports: {}
/******/ 		};
/******/ 	
/******/ 		// Execute the module function
/******/ 		var threw = true;
/******/ 		try {
/******/ 			__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 			threw = false;
/******/ 		} finally {
/******/ 			if(threw) delete __webpack_module_cache__[moduleId];
/******/ 		}
/******/ 	
/******/ 		// Return the exports of the module
/******/ 		return module.exports;
/******/ 	}
/******/ 	
/******/ 	// expose the modules object (__webpack_modules__)
/******/ 	__nccwpck_require__.m = __webpack_modules__;
/******/ 	
/************************************************************************/
/******/ 	/* webpack/runtime/asset-relocator-loader */
/******/ 	if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = __dirname + "/";
/******/ 	
/******/ 	/* webpack/runtime/create fake namespace object */
/******/ 	(() => {
/******/ 		var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 		var leafPrototypes;
/******/ 		// create a fake namespace object
/******/ 		// mode & 1: value is a module id, require it
/******/ 		// mode & 2: merge all properties of value into the ns
/******/ 		// mode & 4: return value when already ns object
/******/ 		// mode & 16: return value when it's Promise-like
/******/ 		// mode & 8|1: behave like require
/******/ 		__nccwpck_require__.t = function(value, mode) {
/******/ 			if(mode & 1) value = this(value);
/******/ 			if(mode & 8) return value;
/******/ 			if(typeof value === 'object' && value) {
/******/ 				if((mode & 4) && value.__esModule) return value;
/******/ 				if((mode & 16) && typeof value.then === 'function') return value;
/******/ 			}
/******/ 			var ns = Object.create(null);
/******/ 			__nccwpck_require__.r(ns);
/******/ 			var def = {};
/******/ 			leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 			for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 				Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 			}
/******/ 			def['default'] = () => (value);
/******/ 			__nccwpck_require__.d(ns, def);
/******/ 			return ns;
/******/ 		};
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/define property getters */
/******/ 	(() => {
/******/ 		// define getter functions for harmony exports
/******/ 		__nccwpck_require__.d = (exports, definition) => {
/******/ 			for(var key in definition) {
/******/ 				if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 					Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 				}
/******/ 			}
/******/ 		};
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/ensure chunk */
/******/ 	(() => {
/******/ 		__nccwpck_require__.f = {};
/******/ 		// This file contains only the entry chunk.
/******/ 		// The chunk loading function for additional chunks
/******/ 		__nccwpck_require__.e = (chunkId) => {
/******/ 			return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 				__nccwpck_require__.f[key](chunkId, promises);
/******/ 				return promises;
/******/ 			}, []));
/******/ 		};
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/get javascript chunk filename */
/******/ 	(() => {
/******/ 		// This function allow to reference async chunks
/******/ 		__nccwpck_require__.u = (chunkId) => {
/******/ 			// return url for filenames based on template
/******/ 			return "" + chunkId + ".index.js";
/******/ 		};
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/hasOwnProperty shorthand */
/******/ 	(() => {
/******/ 		__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/make namespace object */
/******/ 	(() => {
/******/ 		// define __esModule on exports
/******/ 		__nccwpck_require__.r = (exports) => {
/******/ 			if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 				Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 			}
/******/ 			Object.defineProperty(exports, '__esModule', { value: true });
/******/ 		};
/******/ 	})();
/******/ 	
/******/ 	/* webpack/runtime/require chunk loading */
/******/ 	(() => {
/******/ 		// no baseURI
/******/ 		
/******/ 		// object to store loaded chunks
/******/ 		// "1" means "loaded", otherwise not loaded yet
/******/ 		var installedChunks = {
/******/ 			792: 1
/******/ 		};
/******/ 		
/******/ 		// no on chunks loaded
/******/ 		
/******/ 		var installChunk = (chunk) => {
/******/ 			var moreModules = chunk.modules, chunkIds = chunk.ids, runtime = chunk.runtime;
/******/ 			for(var moduleId in moreModules) {
/******/ 				if(__nccwpck_require__.o(moreModules, moduleId)) {
/******/ 					__nccwpck_require__.m[moduleId] = moreModules[moduleId];
/******/ 				}
/******/ 			}
/******/ 			if(runtime) runtime(__nccwpck_require__);
/******/ 			for(var i = 0; i < chunkIds.length; i++)
/******/ 				installedChunks[chunkIds[i]] = 1;
/******/ 		
/******/ 		};
/******/ 		
/******/ 		// require() chunk loading for javascript
/******/ 		__nccwpck_require__.f.require = (chunkId, promises) => {
/******/ 			// "1" is the signal for "already loaded"
/******/ 			if(!installedChunks[chunkId]) {
/******/ 				if(true) { // all chunks have JS
/******/ 					installChunk(require("./" + __nccwpck_require__.u(chunkId)));
/******/ 				} else installedChunks[chunkId] = 1;
/******/ 			}
/******/ 		};
/******/ 		
/******/ 		// no external install chunk
/******/ 		
/******/ 		// no HMR
/******/ 		
/******/ 		// no HMR manifest
/******/ 	})();
/******/ 	
/************************************************************************/
var __webpack_exports__ = {};

;// CONCATENATED MODULE: ./package.json
const package_namespaceObject = {"rE":"1.0.0"};
;// CONCATENATED MODULE: ./src/names.ts
/**
 * Resource names and URLs: the one place that parses, builds and compares them.
 * Everything else in the action speaks in the full names built here.
 */
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const REGION = /^[a-z]+-[a-z]+\d+$/;
const JOB_ID = /^[A-Za-z0-9_-]{1,500}$/;
const FUNCTION_ID = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const SERVICE_ID = /^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$/;
const RUN_JOB_ID = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const WORKFLOW_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const EMAIL = /^[^@\s,]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
const WIF_PROVIDER = /^projects\/(\d+)\/locations\/global\/workloadIdentityPools\/([a-z0-9-]{4,32})\/providers\/([a-z0-9-]{4,32})$/;
const isProjectId = (s) => PROJECT_ID.test(s);
const isRegion = (s) => REGION.test(s);
/** Scheduler signs OIDC tokens only as service accounts, and IAM impersonates only them. */
const isServiceAccountEmail = (s) => EMAIL.test(s) && /\.gserviceaccount\.com$/.test(s);
/** Thrown for a name that has the wrong shape; `what` names the thing (the input) it came from. */
class NameError extends Error {
}
function parseFull(value, collection, idPattern, what) {
    const parts = value.split('/');
    if (parts.length !== 6 || parts[0] !== 'projects' || parts[2] !== 'locations' || parts[4] !== collection) {
        throw new NameError(`${what} "${value}": expected an id or projects/PROJECT/locations/LOCATION/${collection}/ID`);
    }
    const [, project, , region, , id] = parts;
    if (!PROJECT_ID.test(project))
        throw new NameError(`${what} "${value}": "${project}" is not a valid project id`);
    if (!REGION.test(region))
        throw new NameError(`${what} "${value}": "${region}" is not a valid location`);
    if (!idPattern.test(id))
        throw new NameError(`${what} "${value}": "${id}" is not a valid id`);
    return { project, region, id };
}
/** A job id or full name; project/location left empty when only the id is given. */
function parseJobRef(value) {
    if (!value.includes('/')) {
        if (!JOB_ID.test(value))
            throw new NameError(`job "${value}": a job id has only letters, digits, - and _`);
        return { id: value };
    }
    const r = parseFull(value, 'jobs', JOB_ID, 'job');
    return { project: r.project, location: r.region, id: r.id };
}
function parseFunctionRef(value) {
    if (!value.includes('/')) {
        if (!FUNCTION_ID.test(value))
            throw new NameError(`function "${value}": a function id starts with a letter and has only letters, digits, - and _`);
        return { id: value };
    }
    return parseFull(value, 'functions', FUNCTION_ID, 'function');
}
function parseServiceRef(value) {
    if (!value.includes('/')) {
        if (!SERVICE_ID.test(value))
            throw new NameError(`service "${value}": a Cloud Run service id is lowercase letters, digits and -`);
        return { id: value };
    }
    return parseFull(value, 'services', SERVICE_ID, 'service');
}
function parseRunJobRef(value) {
    if (!value.includes('/')) {
        if (!RUN_JOB_ID.test(value))
            throw new NameError(`cloud_run_job "${value}": a Cloud Run job id is lowercase letters, digits and -`);
        return { id: value };
    }
    return parseFull(value, 'jobs', RUN_JOB_ID, 'cloud_run_job');
}
function parseWorkflowRef(value) {
    if (!value.includes('/')) {
        if (!WORKFLOW_ID.test(value))
            throw new NameError(`workflow "${value}": a workflow id starts with a letter and has only letters, digits, - and _`);
        return { id: value };
    }
    return parseFull(value, 'workflows', WORKFLOW_ID, 'workflow');
}
const jobName = (j) => `projects/${j.project}/locations/${j.location}/jobs/${j.id}`;
const functionName = (r) => `projects/${r.project}/locations/${r.region}/functions/${r.id}`;
const serviceName = (r) => `projects/${r.project}/locations/${r.region}/services/${r.id}`;
const runJobName = (r) => `projects/${r.project}/locations/${r.region}/jobs/${r.id}`;
const workflowName = (r) => `projects/${r.project}/locations/${r.region}/workflows/${r.id}`;
const locationName = (project, location) => `projects/${project}/locations/${location}`;
/** Splits any full name `projects/P/locations/L/<collection>/ID` into its parts. */
function splitName(name) {
    const [, project, , location, collection, id] = name.split('/');
    return { project, location, collection, id };
}
const lastSegment = (name) => name.slice(name.lastIndexOf('/') + 1);
function schedulerServiceAgent(projectNumber) {
    return `service-${projectNumber}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`;
}
/** The project a service account belongs to, when its email says so (user-managed accounts). */
function projectOfServiceAccount(email) {
    const m = /^[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(email);
    return m?.[1];
}
function parseWifProvider(value) {
    const m = WIF_PROVIDER.exec(value);
    if (!m)
        throw new NameError(`workload_identity_provider "${value}": expected projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`);
    return { projectNumber: m[1], pool: m[2], provider: m[3] };
}
const FUNCTIONS_HOST = /^([a-z]+-[a-z]+\d+)-([a-z][a-z0-9-]{4,28}[a-z0-9])\.cloudfunctions\.net$/;
/** A `https://REGION-PROJECT.cloudfunctions.net/NAME[/…]` URL's parts; undefined for any other URL. */
function parseFunctionUrl(uri) {
    let u;
    try {
        u = new URL(uri);
    }
    catch {
        return undefined;
    }
    const host = u.hostname.toLowerCase();
    const fn = FUNCTIONS_HOST.exec(host);
    if (!fn)
        return undefined;
    const id = u.pathname.split('/')[1] ?? '';
    return { region: fn[1], project: fn[2], id, url: `https://${host}/${id}` };
}
/** The function URL a URI calls (path beyond the name dropped), or undefined. */
const functionUrlOf = (uri) => parseFunctionUrl(uri)?.url;
/** A URI served by a Google API (`*.googleapis.com`, or the universe's domain): those take OAuth access tokens. */
function googleApiHost(uri, universe = 'googleapis.com') {
    try {
        const host = new URL(uri).hostname.toLowerCase();
        return host === universe || host.endsWith(`.${universe}`) ? host : undefined;
    }
    catch {
        return undefined;
    }
}
/** scheme://host[:port] of a URL, no path and no trailing slash: the audience Cloud Run accepts. */
function originOf(url) {
    try {
        return new URL(url).origin;
    }
    catch {
        return url;
    }
}
/** Parses an https URL, or says why it is not one. */
function parseHttpsUrl(value, what) {
    let u;
    try {
        u = new URL(value);
    }
    catch {
        throw new NameError(`${what} "${value}": not a URL`);
    }
    if (u.protocol !== 'https:')
        throw new NameError(`${what} "${value}": expected an https:// URL`);
    return u;
}

;// CONCATENATED MODULE: ./src/google/endpoints.ts
/** Where each Google API lives: gcloud's override variables first, then the universe's host. */
/** Every Google API the action calls, by gcloud's endpoint-override id (`CLOUDSDK_API_ENDPOINT_OVERRIDES_<id>`). */
const APIS = (/* unused pure expression or super */ null && ([
    'CLOUDSCHEDULER',
    'CLOUDFUNCTIONS',
    'RUN',
    'CLOUDRESOURCEMANAGER',
    'IAM',
    'IAMCREDENTIALS',
    'LOGGING',
    'STS',
    'WORKFLOWS',
    'WORKFLOWEXECUTIONS',
    'POLICYTROUBLESHOOTER'
]));
/** The API's root URL (ending in `/`); clients append the version path, as gcloud does. */
function apiRoot(api, universe, env = process.env) {
    const override = env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`]?.trim();
    if (override)
        return override.endsWith('/') ? override : `${override}/`;
    return `https://${api.toLowerCase()}.${universe}/`;
}

;// CONCATENATED MODULE: ./src/limit.ts
/** A counting semaphore: bounds how many calls are in flight, so a large audit never bursts. */
class Semaphore {
    max;
    active = 0;
    waiting = [];
    constructor(max) {
        this.max = max;
    }
    async run(fn) {
        // A finishing call hands its slot straight to the next waiter, so no newcomer can slip in between.
        if (this.active >= this.max)
            await new Promise(r => this.waiting.push(r));
        else
            this.active++;
        try {
            return await fn();
        }
        finally {
            const next = this.waiting.shift();
            if (next)
                next();
            else
                this.active--;
        }
    }
}
/**
 * At most `max` starts in any `windowMs`: keeps a burst of writes (a project-wide fix and test
 * run) under a per-minute API quota instead of tripping it and retrying.
 */
class RateLimit {
    max;
    windowMs;
    starts = [];
    constructor(max, windowMs) {
        this.max = max;
        this.windowMs = windowMs;
    }
    /**
     * Waits for a start. Rejects at once with QuotaWaitError when no start opens before
     * `deadline`: a caller bound by a timeout learns it now instead of acting after its time is up.
     */
    async take(deadline = Infinity) {
        for (;;) {
            const now = Date.now();
            while (this.starts.length && this.starts[0] <= now - this.windowMs)
                this.starts.shift();
            if (this.starts.length < this.max) {
                this.starts.push(now);
                return;
            }
            const opens = this.starts[0] + this.windowMs;
            if (opens > deadline)
                throw new QuotaWaitError(this.max, this.windowMs);
            await new Promise(r => setTimeout(r, opens - now));
        }
    }
}
class QuotaWaitError extends Error {
    max;
    windowMs;
    constructor(max, windowMs) {
        super(`no slot under the limit of ${max} per ${windowMs / 1000} s opens before the deadline`);
        this.max = max;
        this.windowMs = windowMs;
        this.name = 'QuotaWaitError';
    }
}

;// CONCATENATED MODULE: ./src/google/http.ts

/**
 * The one HTTP policy every Google client uses: bearer token, JSON, a timeout on every call,
 * and bounded exponential backoff with jitter on 429/5xx and dropped connections.
 */
/** A Google API error that keeps the HTTP status and Google's `error.status` (ABORTED, …). */
class ApiError extends Error {
    httpStatus;
    status;
    url;
    constructor(message, httpStatus, status, url) {
        super(message);
        this.httpStatus = httpStatus;
        this.status = status;
        this.url = url;
    }
    /** A copy whose message says what was being done: `Failed to X: (403) PERMISSION_DENIED …`. */
    withContext(what) {
        return new ApiError(`${what}: ${this.message}`, this.httpStatus, this.status, this.url);
    }
}
/** Runs a call, prefixing any ApiError with what was being done (`Failed to read job …: (403) …`). */
async function withContext(what, call) {
    try {
        return await call();
    }
    catch (e) {
        throw e instanceof ApiError ? e.withContext(what) : e;
    }
}
/** Calls in flight at once, across every API: a project-wide audit never bursts past it. */
const MAX_IN_FLIGHT = 16;
const DEFAULT_RETRY = { attempts: 5, baseDelayMs: 500, maxDelayMs: 8000, timeoutMs: 30000 };
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
/** Full jitter: a random delay in [0, min(max, base·2^n)], so parallel callers spread out. */
function backoffDelay(attempt, p, random = Math.random) {
    return Math.round(random() * Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** attempt));
}
const sleep = (ms) => new Promise(r => setTimeout(r, ms));
/** Sends requests to one API root with the shared policy; each client wraps one of these. */
class GoogleHttp {
    root;
    token;
    debug;
    retry;
    inFlight;
    constructor(root, token, debug = () => { }, retry = DEFAULT_RETRY, inFlight = new Semaphore(MAX_IN_FLIGHT)) {
        this.root = root;
        this.token = token;
        this.debug = debug;
        this.retry = retry;
        this.inFlight = inFlight;
    }
    async request(path, opts = {}) {
        const url = new URL(path, this.root);
        url.searchParams.set('alt', 'json');
        for (const [k, v] of Object.entries(opts.query ?? {}))
            if (v !== undefined)
                url.searchParams.set(k, String(v));
        const method = opts.method ?? (opts.body !== undefined || opts.form ? 'POST' : 'GET');
        const headers = { 'user-agent': 'scheduler-oidc-doctor/1' };
        let body;
        if (opts.form) {
            headers['content-type'] = 'application/x-www-form-urlencoded';
            body = new URLSearchParams(opts.form).toString();
        }
        else if (opts.body !== undefined) {
            headers['content-type'] = 'application/json';
            body = JSON.stringify(opts.body);
        }
        for (let attempt = 0;; attempt++) {
            if (!opts.anonymous)
                headers.authorization = `Bearer ${await this.token()}`;
            let res;
            try {
                res = await this.inFlight.run(() => fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.retry.timeoutMs) }));
            }
            catch (e) {
                const reason = describeNetworkError(e);
                if (attempt + 1 < this.retry.attempts) {
                    const delay = backoffDelay(attempt, this.retry);
                    this.debug(() => `${method} ${url.pathname}: ${reason}; retry ${attempt + 1} in ${delay} ms`);
                    await sleep(delay);
                    continue;
                }
                throw new ApiError(`${method} ${url.pathname} failed after ${attempt + 1} attempts: ${reason}`, 0, 'UNAVAILABLE', url.href);
            }
            const text = await res.text();
            if (res.ok) {
                this.debug(() => `${method} ${url.pathname} → ${res.status}`);
                return (text ? JSON.parse(text) : {});
            }
            if (RETRYABLE.has(res.status) && attempt + 1 < this.retry.attempts) {
                const after = Number(res.headers.get('retry-after'));
                const delay = Number.isFinite(after) && after > 0 ? Math.min(after * 1000, this.retry.maxDelayMs) : backoffDelay(attempt, this.retry);
                this.debug(() => `${method} ${url.pathname} → ${res.status}; retry ${attempt + 1} in ${delay} ms`);
                await sleep(delay);
                continue;
            }
            throw toApiError(res.status, text, url.href);
        }
    }
}
/** Follows `nextPageToken` through a list method, collecting the items under `key`. */
async function listAll(http, path, key) {
    const items = [];
    let pageToken;
    do {
        const page = await http.request(path, { query: { pageSize: 500, pageToken } });
        items.push(...(page[key] ?? []));
        pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    return items;
}
function describeNetworkError(e) {
    if (e instanceof Error) {
        if (e.name === 'TimeoutError')
            return 'timed out';
        const cause = e.cause;
        return cause?.code ?? cause?.message ?? e.message;
    }
    return String(e);
}
/** Google's error envelope `{"error":{"code","message","status"}}`, or the raw text. */
function toApiError(httpStatus, text, url) {
    let status = '';
    let message = text.slice(0, 300);
    try {
        const e = JSON.parse(text).error;
        if (typeof e === 'object' && e) {
            status = e.status ?? '';
            message = e.message ?? message;
        }
        else if (typeof e === 'string') {
            status = e;
            message = JSON.parse(text).error_description ?? e;
        }
    }
    catch {
        // not JSON: keep the text
    }
    return new ApiError(`(${httpStatus}) ${status ? status + ' ' : ''}${message}`.trim(), httpStatus, status, url);
}

;// CONCATENATED MODULE: ./src/google/iam-policy.ts

/**
 * IAM methods at `<version>/<resource>:getIamPolicy`. `getStyle` is how the API takes the
 * requested policy version: as a GET query (Functions, Run) or a POST body (Resource Manager).
 */
function iamResource(http, version, getStyle) {
    return {
        getIamPolicy: resource => withContext(`Failed to read the IAM policy of ${resource}`, () => getStyle === 'query'
            ? http.request(`${version}/${resource}:getIamPolicy`, { query: { 'options.requestedPolicyVersion': 3 } })
            : http.request(`${version}/${resource}:getIamPolicy`, { body: { options: { requestedPolicyVersion: 3 } } })),
        setIamPolicy: (resource, policy) => withContext(`Failed to set the IAM policy of ${resource}`, () => http.request(`${version}/${resource}:setIamPolicy`, { body: { policy } })),
        testIamPermissions: async (resource, permissions) => (await withContext(`Failed to test permissions on ${resource}`, () => http.request(`${version}/${resource}:testIamPermissions`, { body: { permissions } }))).permissions ?? []
    };
}

;// CONCATENATED MODULE: ./src/google/functions.ts


class RestFunctionsClient {
    http;
    iamV1;
    iamV2;
    constructor(http) {
        this.http = http;
        this.iamV1 = iamResource(http, 'v1', 'query');
        this.iamV2 = iamResource(http, 'v2', 'query');
    }
    listFunctions(parent) {
        return withContext(`Failed to list functions in ${parent}`, () => listAll(this.http, `v2/${parent}/functions`, 'functions'));
    }
    getFunction(name) {
        return withContext(`Failed to read function ${name}`, () => this.http.request(`v2/${name}`));
    }
}

;// CONCATENATED MODULE: ./src/google/iam.ts

class RestIamClient {
    http;
    constructor(http) {
        this.http = http;
    }
    async testServiceAccountPermissions(email, permissions) {
        const res = await withContext(`Failed to test permissions on service account ${email}`, () => this.http.request(`v1/projects/-/serviceAccounts/${email}:testIamPermissions`, { body: { permissions } }));
        return res.permissions ?? [];
    }
    getServiceAccount(email) {
        return withContext(`Failed to read service account ${email}`, () => this.http.request(`v1/projects/-/serviceAccounts/${email}`));
    }
    listDenyPolicies(attachmentPoint) {
        return withContext(`Failed to list the deny policies of ${attachmentPoint}`, () => listAll(this.http, `v2/policies/${attachmentSegment(attachmentPoint)}/denypolicies`, 'policies'));
    }
    getDenyPolicy(name) {
        const m = /^policies\/(.+)\/denypolicies\/([^/]+)$/.exec(name);
        const path = m ? `v2/policies/${attachmentSegment(decodeURIComponent(m[1]))}/denypolicies/${m[2]}` : `v2/${name}`;
        return withContext(`Failed to read deny policy ${name}`, () => this.http.request(path));
    }
}
/**
 * The attachment point in a URL path. A policy's name holds it URL-encoded (`…%2Fprojects%2FP`),
 * and that name is itself one path segment, so the request encodes it once more (`%252F`), as
 * Google's REST examples and gcloud do.
 */
const attachmentSegment = (attachmentPoint) => encodeURIComponent(encodeURIComponent(attachmentPoint));

;// CONCATENATED MODULE: ./src/google/logging.ts

class RestLoggingClient {
    http;
    constructor(http) {
        this.http = http;
    }
    /**
     * The first page with entries. Logging may answer empty pages with a nextPageToken while it
     * scans; up to MAX_EMPTY_PAGES of those are followed (each is a read against the quota).
     */
    async listEntries(req) {
        let pageToken;
        for (let page = 0;; page++) {
            const res = await withContext('Failed to read the Cloud Scheduler execution log', () => this.http.request('v2/entries:list', {
                body: { orderBy: 'timestamp desc', pageSize: 100, ...req, ...(pageToken ? { pageToken } : {}) }
            }));
            if (res.entries?.length || !res.nextPageToken || page >= MAX_EMPTY_PAGES)
                return res.entries ?? [];
            pageToken = res.nextPageToken;
        }
    }
}
const MAX_EMPTY_PAGES = 2;

;// CONCATENATED MODULE: ./src/google/projects.ts


class RestProjectsClient {
    http;
    iam;
    ancestorIam;
    constructor(http) {
        this.http = http;
        this.iam = iamResource(http, 'v1', 'body');
        this.ancestorIam = iamResource(http, 'v3', 'body');
    }
    getProject(projectId) {
        return withContext(`Failed to read project ${projectId}`, () => this.http.request(`v1/projects/${projectId}`));
    }
    getAncestry(projectId) {
        return withContext(`Failed to read the ancestry of project ${projectId}`, () => this.http.request(`v1/projects/${projectId}:getAncestry`, { body: {} }));
    }
}

;// CONCATENATED MODULE: ./src/google/run.ts


class RestRunClient {
    http;
    iam;
    constructor(http) {
        this.http = http;
        this.iam = iamResource(http, 'v2', 'query');
    }
    getService(name) {
        return withContext(`Failed to read service ${name}`, () => this.http.request(`v2/${name}`));
    }
    listServices(parent) {
        return withContext(`Failed to list services in ${parent}`, () => listAll(this.http, `v2/${parent}/services`, 'services'));
    }
    getJob(name) {
        return withContext(`Failed to read Cloud Run job ${name}`, () => this.http.request(`v2/${name}`));
    }
    listExecutions(job) {
        return withContext(`Failed to list the executions of ${job}`, () => listAll(this.http, `v2/${job}/executions`, 'executions'));
    }
    getExecution(name) {
        return withContext(`Failed to read execution ${name}`, () => this.http.request(`v2/${name}`));
    }
    async listDomainMappings(parent) {
        // Domain mappings exist only in Admin v1, which lists in one page without pageSize.
        const res = await withContext(`Failed to list the domain mappings in ${parent}`, () => this.http.request(`v1/${parent}/domainmappings`));
        return res.items ?? [];
    }
}

;// CONCATENATED MODULE: ./src/google/scheduler.ts


class RestSchedulerClient {
    http;
    writes;
    /**
     * Cloud Scheduler allows 500 writes (patch, run) per minute per project by default; staying
     * at 400 leaves room for other writers and never trips it on a project-wide fix and test run.
     */
    constructor(http, writes = new RateLimit(400, 60_000)) {
        this.http = http;
        this.writes = writes;
    }
    getJob(name) {
        return withContext(`Failed to read job ${name}`, () => this.http.request(`v1/${name}`));
    }
    listJobs(parent) {
        return withContext(`Failed to list jobs in ${parent}`, () => listAll(this.http, `v1/${parent}/jobs`, 'jobs'));
    }
    async patchJob(name, job, updateMask) {
        await this.writes.take();
        return withContext(`Failed to update job ${name}`, () => this.http.request(`v1/${name}`, { method: 'PATCH', body: job, query: { updateMask: updateMask.join(',') } }));
    }
    async runJob(name, deadline) {
        await this.writes.take(deadline);
        return withContext(`Failed to run job ${name}`, () => this.http.request(`v1/${name}:run`, { body: {} }));
    }
}

;// CONCATENATED MODULE: ./src/google/troubleshooter.ts

class RestTroubleshooterClient {
    http;
    constructor(http) {
        this.http = http;
    }
    troubleshoot(accessTuple) {
        return withContext(`Policy Troubleshooter could not answer for ${accessTuple.principal} on ${accessTuple.fullResourceName}`, () => this.http.request('v3/iam:troubleshoot', { body: { accessTuple } }));
    }
}

;// CONCATENATED MODULE: ./src/google/workflows.ts

class RestWorkflowsClient {
    workflows;
    executions;
    constructor(workflows, executions) {
        this.workflows = workflows;
        this.executions = executions;
    }
    getWorkflow(name) {
        return withContext(`Failed to read workflow ${name}`, () => this.workflows.request(`v1/${name}`));
    }
    listExecutions(workflow) {
        return withContext(`Failed to list the executions of ${workflow}`, () => listAll(this.executions, `v1/${workflow}/executions`, 'executions'));
    }
    getExecution(name) {
        return withContext(`Failed to read execution ${name}`, () => this.executions.request(`v1/${name}`));
    }
}

;// CONCATENATED MODULE: ./src/google/clients.ts











function iamOf(g, api) {
    const surfaces = {
        'cloudfunctions.v1': g.functions.iamV1,
        'cloudfunctions.v2': g.functions.iamV2,
        'run.v2': g.run.iam,
        'cloudresourcemanager.v1': g.projects.iam
    };
    return surfaces[api];
}
function createClients(token, universe, debug, env = process.env, retry) {
    // One bound on calls in flight across every API, so a project-wide audit never bursts.
    const inFlight = new Semaphore(MAX_IN_FLIGHT);
    const http = (api) => new GoogleHttp(apiRoot(api, universe, env), token, debug, retry ?? DEFAULT_RETRY, inFlight);
    return {
        scheduler: new RestSchedulerClient(http('CLOUDSCHEDULER')),
        functions: new RestFunctionsClient(http('CLOUDFUNCTIONS')),
        run: new RestRunClient(http('RUN')),
        projects: new RestProjectsClient(http('CLOUDRESOURCEMANAGER')),
        iam: new RestIamClient(http('IAM')),
        logging: new RestLoggingClient(http('LOGGING')),
        workflows: new RestWorkflowsClient(http('WORKFLOWS'), http('WORKFLOWEXECUTIONS')),
        troubleshooter: new RestTroubleshooterClient(http('POLICYTROUBLESHOOTER'))
    };
}

;// CONCATENATED MODULE: ./src/remedies.ts
/**
 * Every command a person may paste, built in one place: each value is shell-quoted (a custom
 * audience or a URI read from Google can hold `;$(…)`), and each command names its project, so
 * it acts on the project the report is about whatever gcloud's own configuration says.
 */
/** Characters that never need quoting in a POSIX shell word. */
const SAFE = /^[A-Za-z0-9@%+=:,./_-]+$/;
/** One shell word: as is when safe, else single-quoted with embedded quotes closed and escaped. */
function shellQuote(value) {
    if (SAFE.test(value))
        return value;
    return `'${value.replace(/'/g, `'\\''`)}'`;
}
/** A gcloud command: its words quoted, `--project` always present (after the positional words). */
function gcloud(project, words, flags = {}) {
    const parts = ['gcloud', ...words.map(shellQuote), '--project', shellQuote(project)];
    for (const [flag, value] of Object.entries(flags)) {
        if (value === undefined)
            continue;
        parts.push(`--${flag}`);
        if (value !== true)
            parts.push(shellQuote(value));
    }
    return parts.join(' ');
}
/** The commands about a Scheduler job and its project, whatever it calls. */
const schedulerRemedies = {
    setOidc: (j, account, audience) => gcloud(j.project, ['scheduler', 'jobs', 'update', 'http', j.id], {
        location: j.location,
        'oidc-service-account-email': account,
        'oidc-token-audience': audience
    }),
    setOauth: (j, account, scope) => gcloud(j.project, ['scheduler', 'jobs', 'update', 'http', j.id], {
        location: j.location,
        'oauth-service-account-email': account,
        'oauth-token-scope': scope
    }),
    setMethod: (j, method) => gcloud(j.project, ['scheduler', 'jobs', 'update', 'http', j.id], { location: j.location, 'http-method': method }),
    setUri: (j, uri) => gcloud(j.project, ['scheduler', 'jobs', 'update', 'http', j.id], { location: j.location, uri }),
    resume: (j) => gcloud(j.project, ['scheduler', 'jobs', 'resume', j.id], { location: j.location }),
    describe: (j) => gcloud(j.project, ['scheduler', 'jobs', 'describe', j.id], { location: j.location }),
    list: (project, location) => gcloud(project, ['scheduler', 'jobs', 'list'], { location }),
    grantOnProject: (project, member, role) => gcloud(project, ['projects', 'add-iam-policy-binding', project], { member, role })
};
/** The commands about service accounts and IAM outside the target: what the action never does itself. */
const iamRemedies = {
    enableAccount: (project, email) => gcloud(project, ['iam', 'service-accounts', 'enable', email]),
    createAccount: (project, name) => gcloud(project, ['iam', 'service-accounts', 'create', name]),
    /** The deny policy with its rules, for a person to read who may change it. */
    describeDenyPolicy: (project, policy) => {
        const m = /^policies\/(.+)\/denypolicies\/([^/]+)$/.exec(policy);
        const attachment = m ? decodeURIComponent(m[1]) : policy;
        return gcloud(project, ['iam', 'policies', 'get', m ? m[2] : policy], { 'attachment-point': attachment, kind: 'denypolicies' });
    },
    /** IAP in front of a Cloud Run service admits only accounts holding this role on it (beta surface). */
    grantIapAccess: (project, region, service, member) => gcloud(project, ['beta', 'iap', 'web', 'add-iam-policy-binding'], {
        'resource-type': 'cloud-run',
        service,
        region,
        member,
        role: 'roles/iap.httpsResourceAccessor'
    }),
    enableDefaultUrl: (project, region, service) => gcloud(project, ['beta', 'run', 'services', 'update', service], { region, 'default-url': true })
};

;// CONCATENATED MODULE: ./src/targets/executions.ts
/** Following an execution that a Scheduler attempt created, whatever API runs it. */

/** Runner and Google clocks agree to well under this. */
const CLOCK_SLACK_MS = 2000;
/**
 * Waits for the execution an attempt created and then for its end. Executions and workflow runs
 * differ only in how their times and end are read, so one loop serves both kinds.
 */
async function follow(o) {
    let found;
    while (!found) {
        found = (await o.list()).find(e => Date.parse(o.createdAt(e) ?? '') >= o.sinceMs - CLOCK_SLACK_MS);
        if (found)
            break;
        if (Date.now() + o.pollMs > o.deadline)
            return { name: '', state: 'NOT_FOUND', succeeded: false, running: false, error: 'no execution created by the attempt was found before the timeout' };
        await sleep(o.pollMs);
    }
    for (let e = found;;) {
        const end = o.end(e);
        if (end)
            return { name: e.name, running: false, ...end };
        if (Date.now() + o.pollMs > o.deadline)
            return { name: e.name, state: 'RUNNING', succeeded: false, running: true };
        await sleep(o.pollMs);
        e = await o.get(e.name);
    }
}

;// CONCATENATED MODULE: ./src/targets/cloud-run-job.ts



const RUN = ['roles/run.invoker', 'roles/run.jobsExecutor', 'roles/run.jobsExecutorWithOverrides', 'roles/run.developer', 'roles/run.admin'];
const WITH_OVERRIDES = ['roles/run.jobsExecutorWithOverrides', 'roles/run.developer', 'roles/run.admin'];
const BASIC = ['roles/editor', 'roles/owner'];
/** Both URL forms Scheduler may call: Admin v2, and the legacy regional v1 (the console's "Add trigger" made these). */
const V2 = /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/jobs\/([^/:]+):run$/;
const V1 = /^\/apis\/run\.googleapis\.com\/v1\/namespaces\/([^/]+)\/jobs\/([^/:]+):run$/;
function parseJobUri(uri, universe) {
    let u;
    try {
        u = new URL(uri);
    }
    catch {
        return undefined;
    }
    const host = u.hostname.toLowerCase();
    const path = decodeURIComponent(u.pathname);
    const v2 = host === `run.${universe}` ? V2.exec(path) : null;
    if (v2)
        return { project: v2[1], location: v2[2], id: v2[3] };
    const region = host.endsWith(`-run.${universe}`) ? host.slice(0, -`-run.${universe}`.length) : undefined;
    const v1 = region ? V1.exec(path) : null;
    return v1 ? { project: v1[1], location: region, id: v1[2] } : undefined;
}
/** Whether the job's body asks to override the container, task count or timeout. */
function hasOverrides(job) {
    const body = job.httpTarget?.body;
    if (!body)
        return false;
    try {
        const parsed = JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
        return typeof parsed === 'object' && parsed !== null && 'overrides' in parsed;
    }
    catch {
        return false;
    }
}
const cloudRunJob = {
    id: 'cloud_run_job',
    noun: 'Cloud Run job',
    bindingNoun: 'Cloud Run job',
    auth: { type: 'oauth' },
    iam: 'run.v2',
    fullResourceName: t => `//run.googleapis.com/${t.bindingResource}`,
    setIamPolicy: { permission: 'run.jobs.setIamPolicy', role: 'roles/run.admin' },
    access(_t, job) {
        if (hasOverrides(job))
            return {
                role: 'roles/run.jobsExecutorWithOverrides',
                permission: 'run.jobs.runWithOverrides',
                roles: [...WITH_OVERRIDES, ...BASIC],
                why: "the job's body has overrides"
            };
        return { role: 'roles/run.invoker', permission: 'run.jobs.run', roles: [...RUN, ...BASIC] };
    },
    calls(t, uri) {
        const u = parseJobUri(uri, t.urls[0] ? new URL(t.urls[0]).hostname.replace(/^run\./, '') : 'googleapis.com');
        const { project, location, id } = splitName(t.name);
        // The URI may name the project by number; the location and job id decide then.
        return !!u && u.location === location && u.id === id && (u.project === project || /^\d+$/.test(u.project));
    },
    nearMisses: () => [],
    grantCommand(t, member, role) {
        const { project, location, id } = splitName(t.bindingResource);
        return gcloud(project, ['run', 'jobs', 'add-iam-policy-binding', id], { region: location, member, role });
    },
    followExecution: (g, t, sinceMs, deadline, pollMs) => follow({
        list: () => g.run.listExecutions(t.name),
        get: name => g.run.getExecution(name),
        createdAt: e => e.createTime,
        end: runEnd,
        sinceMs,
        deadline,
        pollMs
    })
};
/** How a Cloud Run execution ended, from its `Completed` condition; undefined while it runs. */
function runEnd(e) {
    const done = e.conditions?.find(c => c.type === 'Completed');
    const duration = e.startTime && e.completionTime ? Date.parse(e.completionTime) - Date.parse(e.startTime) : undefined;
    if (done?.state === 'CONDITION_SUCCEEDED')
        return { state: 'EXECUTION_SUCCEEDED', succeeded: true, durationMs: duration };
    if (done?.state === 'CONDITION_FAILED' || (e.completionTime && (e.failedCount ?? 0) > 0))
        return { state: 'EXECUTION_FAILED', succeeded: false, durationMs: duration, error: done?.message ?? `${e.failedCount ?? 0} task(s) failed` };
    if (e.completionTime && (e.cancelledCount ?? 0) > 0)
        return { state: 'EXECUTION_CANCELLED', succeeded: false, durationMs: duration, error: done?.message };
    return undefined;
}
async function readRunJob(ctx, name) {
    return ctx.memo(name, async () => {
        ctx.writable({ resource: name, iam: cloudRunJob.iam, permissions: [cloudRunJob.setIamPolicy.permission] });
        const [job, policy] = await Promise.all([ctx.g.run.getJob(name), ctx.g.run.iam.getIamPolicy(name)]);
        const { project, location, id } = splitName(job.name);
        return {
            kind: cloudRunJob,
            name: job.name,
            bindingResource: job.name,
            policy,
            urls: [`https://run.${ctx.universe}/v2/projects/${project}/locations/${location}/jobs/${id}:run`],
            audiences: [],
            customAudiences: [],
            invokerIamDisabled: false
        };
    });
}
const cloudRunJobLocator = {
    input: 'cloud_run_job',
    parseInput: parseRunJobRef,
    fullName: runJobName,
    read: readRunJob,
    fromUri(u, universe) {
        const j = parseJobUri(u.href, universe);
        return j && (ctx => readRunJob(ctx, runJobName({ project: /^\d+$/.test(j.project) ? ctx.project : j.project, region: j.location, id: j.id })));
    }
};

;// CONCATENATED MODULE: ./src/policy.ts
/** Members that hold `role` on a policy through an unconditional binding. */
function holders(policy, role) {
    const out = new Set();
    for (const b of policy?.bindings ?? [])
        if (b.role === role && !b.condition)
            for (const m of b.members ?? [])
                out.add(m);
    return out;
}
/** Members that hold `role` only when a condition is met. */
const conditionalHolders = (policy, role) => new Set((policy?.bindings ?? []).filter((b) => b.role === role && b.condition).flatMap(b => b.members ?? []));

;// CONCATENATED MODULE: ./src/targets/gen1.ts



const ROLE = 'roles/cloudfunctions.invoker';
const gen1 = {
    id: 'gen1',
    noun: 'gen 1 function',
    bindingNoun: 'function',
    auth: {
        type: 'oidc',
        audienceHint: 'a gen 1 function accepts only its URL',
        audienceRule: t => `a gen 1 function accepts only its URL ${t.urls[0]}`,
        defaultAudience: t => t.urls[0] ?? '',
        acceptsCustom: () => false
    },
    iam: 'cloudfunctions.v1',
    setIamPolicy: { permission: 'cloudfunctions.functions.setIamPolicy', role: 'roles/cloudfunctions.admin' },
    access: () => ({ role: ROLE, permission: 'cloudfunctions.functions.invoke', roles: [ROLE] }),
    calls: (t, uri) => functionUrlOf(uri) === t.urls[0],
    fullResourceName: t => `//cloudfunctions.googleapis.com/${t.bindingResource}`,
    nearMisses(t, member) {
        return holders(t.policy, 'roles/run.invoker').has(member) ? ['roles/run.invoker on the target, the wrong role for a gen 1 function'] : [];
    },
    grantCommand(t, member, role) {
        const { project, location, id } = splitName(t.bindingResource);
        return gcloud(project, ['functions', 'add-iam-policy-binding', id], { region: location, 'no-gen2': true, role, member });
    },
    openIngressCommand(t) {
        const { project, location, id } = splitName(t.bindingResource);
        return gcloud(project, ['functions', 'deploy', id], { region: location, 'ingress-settings': 'all' });
    }
};
/** A function read from the Functions API that turned out to be gen 1. */
async function gen1FromFunction(ctx, fn, name) {
    ctx.writable({ resource: name, iam: gen1.iam, permissions: [gen1.setIamPolicy.permission] });
    const policy = await ctx.g.functions.iamV1.getIamPolicy(name);
    const url = fn.url ?? defaultFunctionUrl(name);
    return {
        kind: gen1,
        name,
        bindingResource: name,
        policy,
        urls: [url],
        audiences: [url],
        customAudiences: [],
        ingress: fn.serviceConfig?.ingressSettings,
        invokerIamDisabled: false
    };
}
/** `https://REGION-PROJECT.cloudfunctions.net/NAME`, the URL every function has. */
function defaultFunctionUrl(name) {
    const { project, location, id } = splitName(name);
    return `https://${location}-${project}.cloudfunctions.net/${id}`;
}

;// CONCATENATED MODULE: ./src/targets/service.ts
/**
 * A Cloud Run service, and what every Cloud Run target shares (a gen 2 function runs on one):
 * invoked at its `run.app` URLs, it accepts their origins (no path, no query) or a custom
 * audience, and `roles/run.invoker` is bound on the service.
 */




const RUN_ROLE = 'roles/run.invoker';
/** The Cloud Run half every Cloud Run kind shares. */
const cloudRun = {
    iam: 'run.v2',
    setIamPolicy: { permission: 'run.services.setIamPolicy', role: 'roles/run.admin' },
    bindingNoun: 'service',
    access: () => ({ role: RUN_ROLE, permission: 'run.routes.invoke', roles: [RUN_ROLE] }),
    auth: {
        type: 'oidc',
        audienceHint: 'Cloud Run accepts only its URL origin (no path or query) or a custom audience',
        audienceRule: (t) => `Cloud Run accepts only ${t.audiences.join(', ')} (no path, no query)`,
        acceptsCustom: (t, audience) => t.customAudiences.includes(audience)
    },
    grantCommand(t, member, role) {
        const { project, location, id } = splitName(t.bindingResource);
        return gcloud(project, ['run', 'services', 'add-iam-policy-binding', id], { region: location, role, member });
    },
    openIngressCommand(t) {
        const { project, location, id } = splitName(t.bindingResource);
        return gcloud(project, ['run', 'services', 'update', id], { region: location, ingress: 'all' });
    },
    wrongRole(t, member) {
        return holders(t.policy, 'roles/cloudfunctions.invoker').has(member)
            ? ['roles/cloudfunctions.invoker on the target, the wrong role for a Cloud Run service']
            : [];
    },
    fullResourceName: (t) => `//run.googleapis.com/${t.bindingResource}`,
    /** Whether `uri` is one of these `run.app` URLs (Cloud Run routes by host: the origin decides). */
    servedBy(serviceUrls, uri) {
        const origin = runOrigin(uri);
        return !!origin && serviceUrls.some(u => originOf(u) === origin);
    },
    /** Whether `uri` is on a custom domain mapped to the target. */
    viaDomain: (t, uri) => URL.canParse(uri) && (t.aliases ?? []).includes(originOf(uri)),
    /** The audience for a `run.app` URI: its origin when it is one of the service's. */
    originAudience(serviceUrls, uri) {
        return cloudRun.servedBy(serviceUrls, uri) ? runOrigin(uri) : undefined;
    }
};
/** The origin of a `*.run.app` URL; undefined for any other URL. */
function runOrigin(uri) {
    try {
        const u = new URL(uri);
        return u.hostname.toLowerCase().endsWith('.run.app') ? u.origin : undefined;
    }
    catch {
        return undefined;
    }
}
const serviceUrlsOf = (svc) => [...new Set([svc.uri, ...(svc.urls ?? [])].filter((u) => !!u))];
const service = {
    ...cloudRun,
    id: 'service',
    noun: 'Cloud Run service',
    auth: {
        ...cloudRun.auth,
        defaultAudience(t, uri, current) {
            if (current && t.customAudiences.includes(current))
                return current;
            return cloudRun.originAudience(t.urls, uri) ?? originOf(t.urls[0] ?? '');
        }
    },
    calls: (t, uri) => cloudRun.servedBy(t.urls, uri) || cloudRun.viaDomain(t, uri),
    nearMisses: (t, member) => cloudRun.wrongRole(t, member)
};
/** A Cloud Run service and its policy, read once however many jobs (and gen 2 functions) share it. */
function readService(ctx, name) {
    return ctx.memo(name, async () => {
        ctx.writable({ resource: name, iam: service.iam, permissions: [service.setIamPolicy.permission] });
        const [svc, policy] = await Promise.all([getService(ctx, name), ctx.g.run.iam.getIamPolicy(name)]);
        const urls = serviceUrlsOf(svc);
        const customAudiences = svc.customAudiences ?? [];
        return {
            kind: service,
            name: svc.name,
            bindingResource: svc.name,
            policy,
            urls,
            audiences: [...new Set([...urls.map(originOf), ...customAudiences])],
            customAudiences,
            ingress: svc.ingress,
            invokerIamDisabled: svc.invokerIamDisabled === true,
            defaultUriDisabled: svc.defaultUriDisabled === true,
            iapEnabled: svc.iapEnabled === true
        };
    });
}
const listServices = (ctx) => ctx.listing('services', () => ctx.g.run.listServices(ctx.parent));
/** From the region's listing when an audit made one, else one read. */
async function getService(ctx, name) {
    const listing = ctx.started('services');
    if (listing && name.startsWith(`${ctx.parent}/`)) {
        const listed = (await listing.catch(() => [])).find(s => s.name === name);
        if (listed)
            return listed;
    }
    return ctx.g.run.getService(name);
}
const serviceLocator = {
    input: 'service',
    parseInput: parseServiceRef,
    fullName: serviceName,
    read: readService,
    fromUri(u) {
        const origin = runOrigin(u.href);
        if (!origin)
            return undefined;
        // A run.app host says nothing of the service's name: one listing of the region serves every job.
        return async (ctx) => {
            const svc = (await listServices(ctx)).find(s => serviceUrlsOf(s).some(x => originOf(x) === origin));
            if (!svc)
                throw new Error(`no Cloud Run service in ${ctx.parent} serves ${origin}; set 'service' (or 'region') to the service the job calls`);
            return readService(ctx, svc.name);
        };
    },
    startListings: ctx => void listServices(ctx).catch(() => undefined)
};
/**
 * A URI on a host no target kind recognises: a custom domain, when a Cloud Run domain mapping in
 * the run's region routes it to a service (one listing per run); undefined when none does.
 */
function byDomainMapping(uri) {
    if (!URL.canParse(uri))
        return undefined;
    const u = new URL(uri);
    if (u.protocol !== 'https:')
        return undefined;
    return async (ctx) => {
        const mappings = await ctx
            .listing('domainmappings', () => ctx.g.run.listDomainMappings(ctx.parent))
            .catch((e) => {
            const why = e instanceof ApiError && e.httpStatus === 403
                ? 'the caller lacks run.domainmappings.list (roles/run.viewer)'
                : e instanceof Error
                    ? e.message
                    : String(e);
            throw new Error(`${u.hostname} is no Cloud Functions or Cloud Run URL, and the domain mappings of ${ctx.parent} that could route it were not read: ${why}`);
        });
        const m = mappings.find(d => d.metadata?.name?.toLowerCase() === u.hostname.toLowerCase());
        if (!m?.spec?.routeName)
            return undefined;
        const t = await readService(ctx, `${ctx.parent}/services/${m.spec.routeName}`);
        // The memoised target learns the alias, so every job on this domain finds it calls the service.
        t.aliases = [...new Set([...(t.aliases ?? []), u.origin])];
        return t;
    };
}

;// CONCATENATED MODULE: ./src/targets/gen2.ts




// Its urls are the function URL first, then the service's.
const functionUrl = (t) => t.urls[0];
const serviceUrls = (t) => t.urls.slice(1);
const gen2 = {
    ...cloudRun,
    id: 'gen2',
    noun: 'gen 2 function',
    calls: (t, uri) => functionUrlOf(uri) === functionUrl(t) || cloudRun.servedBy(serviceUrls(t), uri),
    auth: {
        ...cloudRun.auth,
        defaultAudience(t, uri, current) {
            if (current && t.customAudiences.includes(current))
                return current;
            if (functionUrlOf(uri) === functionUrl(t))
                return functionUrl(t);
            return cloudRun.originAudience(serviceUrls(t), uri) ?? originOf(serviceUrls(t)[0] ?? functionUrl(t));
        }
    },
    nearMisses(t, member) {
        const notes = holders(t.lookalikePolicy, 'roles/cloudfunctions.invoker').has(member)
            ? ['roles/cloudfunctions.invoker on the gen 2 function, which does not govern invocation (Cloud Run checks roles/run.invoker on the service)']
            : [];
        return [...notes, ...cloudRun.wrongRole(t, member)];
    }
};
/** A function read from the Functions API that turned out to be gen 2: its service decides. */
async function gen2FromFunction(ctx, fn, name) {
    const serviceRef = fn.serviceConfig?.service;
    if (!serviceRef)
        throw new Error(`Function ${name} is gen 2 but names no Cloud Run service (serviceConfig.service); is it still deploying?`);
    const { project, location } = splitName(name);
    const service = serviceRef.startsWith('projects/') ? serviceRef : serviceName({ project, region: location, id: serviceRef });
    // Through the service memo: a job calling the function's run.app URL shares the one read of the service and its policy.
    const [svc, lookalikePolicy] = await Promise.all([
        readService(ctx, service),
        // Read only to explain a grant that landed on the function by mistake.
        ctx.g.functions.iamV2.getIamPolicy(name).catch(() => undefined)
    ]);
    const url = fn.url ?? defaultFunctionUrl(name);
    return {
        ...svc,
        kind: gen2,
        name,
        urls: [url, ...svc.urls],
        audiences: [...new Set([...svc.audiences, url])],
        ingress: svc.ingress ?? fn.serviceConfig?.ingressSettings,
        lookalikePolicy
    };
}

;// CONCATENATED MODULE: ./src/targets/functions.ts



function readFunction(ctx, name) {
    return ctx.memo(name, async () => {
        const listing = ctx.started('functions');
        const listed = listing && name.startsWith(`${ctx.parent}/`) ? (await listing.catch(() => [])).find(f => f.name === name) : undefined;
        const fn = listed ?? (await ctx.g.functions.getFunction(name));
        return fn.environment === 'GEN_2' ? gen2FromFunction(ctx, fn, name) : gen1FromFunction(ctx, fn, name);
    });
}
const functionLocator = {
    input: 'function',
    parseInput: parseFunctionRef,
    fullName: functionName,
    read: readFunction,
    fromUri(u) {
        const f = parseFunctionUrl(u.href);
        return f && (ctx => readFunction(ctx, functionName(f)));
    },
    startListings: ctx => void ctx.listing('functions', () => ctx.g.functions.listFunctions(ctx.parent)).catch(() => undefined)
};

;// CONCATENATED MODULE: ./src/targets/workflow.ts



const ROLES = ['roles/workflows.invoker', 'roles/workflows.editor', 'roles/workflows.admin', 'roles/editor', 'roles/owner'];
const PATH = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/workflows\/([^/]+)\/executions$/;
function parseWorkflowUri(uri, universe) {
    let u;
    try {
        u = new URL(uri);
    }
    catch {
        return undefined;
    }
    if (u.hostname.toLowerCase() !== `workflowexecutions.${universe}`)
        return undefined;
    const m = PATH.exec(decodeURIComponent(u.pathname));
    return m ? { project: m[1], location: m[2], id: m[3] } : undefined;
}
const workflow = {
    id: 'workflow',
    noun: 'workflow',
    bindingNoun: 'project',
    auth: { type: 'oauth' },
    iam: 'cloudresourcemanager.v1',
    setIamPolicy: { permission: 'resourcemanager.projects.setIamPolicy', role: 'roles/resourcemanager.projectIamAdmin' },
    access: () => ({ role: ROLES[0], permission: 'workflows.executions.create', roles: ROLES }),
    calls(t, uri) {
        const host = new URL(t.urls[0]).hostname;
        const w = parseWorkflowUri(uri, host.slice('workflowexecutions.'.length));
        const { project, location, id } = splitName(t.name);
        return !!w && w.location === location && w.id === id && (w.project === project || /^\d+$/.test(w.project));
    },
    nearMisses: () => [],
    // The permission is checked on the workflow itself, which inherits the project's policy.
    fullResourceName: t => `//workflows.googleapis.com/${t.name}`,
    grantCommand(t, member, role) {
        const project = t.bindingResource.slice('projects/'.length);
        return gcloud(project, ['projects', 'add-iam-policy-binding', project], { member, role });
    },
    followExecution: (g, t, sinceMs, deadline, pollMs) => follow({
        list: () => g.workflows.listExecutions(t.name),
        get: name => g.workflows.getExecution(name),
        createdAt: e => e.startTime,
        end: e => {
            if (e.state === 'ACTIVE' || e.state === 'QUEUED' || !e.state)
                return undefined;
            const durationMs = e.startTime && e.endTime ? Date.parse(e.endTime) - Date.parse(e.startTime) : undefined;
            return { state: e.state, succeeded: e.state === 'SUCCEEDED', durationMs, error: e.error?.payload ?? e.error?.context };
        },
        sinceMs,
        deadline,
        pollMs
    })
};
async function readWorkflow(ctx, name) {
    return ctx.memo(name, async () => {
        const [wf, policy] = await Promise.all([ctx.g.workflows.getWorkflow(name), ctx.projectPolicy()]);
        const { location, id } = splitName(wf.name);
        const project = `projects/${ctx.project}`;
        ctx.writable({ resource: project, iam: workflow.iam, permissions: [workflow.setIamPolicy.permission] });
        return {
            kind: workflow,
            name: wf.name,
            bindingResource: project,
            policy,
            urls: [`https://workflowexecutions.${ctx.universe}/v1/projects/${ctx.project}/locations/${location}/workflows/${id}/executions`],
            audiences: [],
            customAudiences: [],
            invokerIamDisabled: false
        };
    });
}
const workflowLocator = {
    input: 'workflow',
    parseInput: parseWorkflowRef,
    fullName: workflowName,
    read: readWorkflow,
    fromUri(u, universe) {
        const w = parseWorkflowUri(u.href, universe);
        return w && (ctx => readWorkflow(ctx, workflowName({ project: /^\d+$/.test(w.project) ? ctx.project : w.project, region: w.location, id: w.id })));
    }
};

;// CONCATENATED MODULE: ./src/targets/index.ts





const LOCATORS = [functionLocator, serviceLocator, cloudRunJobLocator, workflowLocator];
/** The inputs that name a target (`function`, `service`, `cloud_run_job`, `workflow`), in the contract's order. */
const TARGET_INPUTS = LOCATORS.map(l => l.input);
function locatorFor(input) {
    const l = LOCATORS.find(x => x.input === input);
    if (!l)
        throw new Error(`no target kind is named by the input '${input}'`);
    return l;
}
/** The read of the target a job URI calls, when a kind recognises the URI. */
function fromUri(uri, universe) {
    let u;
    try {
        u = new URL(uri);
    }
    catch {
        return undefined;
    }
    for (const l of LOCATORS) {
        const read = l.fromUri(u, universe);
        if (read)
            return read;
    }
    return undefined;
}
/** One run's reads of targets: each target and each region listing at most once. */
function readContext(g, s, writable) {
    const targets = new Map();
    const listings = new Map();
    let projectPolicy;
    return {
        g,
        project: s.project,
        parent: locationName(s.project, s.region),
        universe: s.universe,
        projectPolicy: () => (projectPolicy ??= g.projects.iam.getIamPolicy(`projects/${s.project}`)),
        writable,
        memo(key, read) {
            let p = targets.get(key);
            if (!p) {
                p = read();
                targets.set(key, p);
            }
            return p;
        },
        listing(key, list) {
            let p = listings.get(key);
            if (!p) {
                p = list();
                listings.set(key, p);
            }
            return p;
        },
        started: (key) => listings.get(key)
    };
}
/** Starts every kind's region listing now, so an audit's listings run alongside the jobs listing. */
function startListings(ctx) {
    for (const l of LOCATORS)
        l.startListings?.(ctx);
}

;// CONCATENATED MODULE: ./src/engine/hierarchy.ts

/** Deny policies hang off a resource's full name, as one URL-encoded path segment. */
const attachmentPoint = (resource) => `cloudresourcemanager.googleapis.com/${resource}`;
const refused = (e) => e instanceof ApiError && (e.httpStatus === 403 || e.httpStatus === 401);
const message = (e) => (e instanceof Error ? e.message : String(e));
/** Why a read failed, in one line: the permission and role when refused, Google's message otherwise. */
function why(e, permission, role) {
    return refused(e) ? `the caller lacks ${permission} (${role})` : message(e);
}
async function readDeny(g, resource) {
    try {
        const listed = await g.iam.listDenyPolicies(attachmentPoint(resource));
        // Google lists deny policies without their rules: each is read for them.
        const policies = await Promise.all(listed.map(p => g.iam.getDenyPolicy(p.name)));
        return { resource, policies };
    }
    catch (e) {
        return { resource, policies: [], unreadable: why(e, 'iam.denypolicies.list and iam.denypolicies.get', 'roles/iam.denyReviewer') };
    }
}
async function readAncestor(g, resource) {
    const kind = resource.startsWith('folders/') ? 'folders' : 'organizations';
    try {
        return { resource, policy: await g.projects.ancestorIam.getIamPolicy(resource) };
    }
    catch (e) {
        return { resource, unreadable: why(e, `resourcemanager.${kind}.getIamPolicy`, 'roles/iam.securityReviewer') };
    }
}
/** The project's ancestors (one getAncestry call), their policies and every deny policy above the resources: two or three rounds, all in parallel with the run's own reads. */
async function readHierarchy(g, project) {
    const projectDeny = readDeny(g, `projects/${project}`);
    let chain;
    const notes = [];
    try {
        const ancestry = await g.projects.getAncestry(project);
        chain = (ancestry.ancestor ?? [])
            .map(a => a.resourceId)
            .filter(r => r?.id && (r.type === 'folder' || r.type === 'organization'))
            .map(r => `${r.type}s/${r.id}`);
    }
    catch (e) {
        chain = [];
        notes.push(`The folders and organization above ${project} were not read (${why(e, 'resourcemanager.projects.get', 'roles/browser')}): grants and deny policies there are not seen.`);
    }
    const [ancestors, deny] = await Promise.all([Promise.all(chain.map(r => readAncestor(g, r))), Promise.all([projectDeny, ...chain.map(r => readDeny(g, r))])]);
    for (const a of ancestors)
        if (a.unreadable)
            notes.push(`The allow policy of ${a.resource} was not read (${a.unreadable}): a grant inherited from there is not seen.`);
    for (const d of deny)
        if (d.unreadable)
            notes.push(`The deny policies of ${d.resource} were not read (${d.unreadable}): a deny rule there is not seen.`);
    return { ancestors, deny, notes };
}

;// CONCATENATED MODULE: ./src/engine/observe.ts





const ignore = () => { };
/** What fix mode may need on the project: patch jobs, grant the Scheduler service agent. */
const PROJECT_WRITE = { iam: 'cloudresourcemanager.v1', permissions: ['cloudscheduler.jobs.update', 'resourcemanager.projects.setIamPolicy'] };
const ACT_AS = 'iam.serviceAccounts.actAs';
/** Beyond this many named jobs, listing the region's targets costs less than reading each. */
const LIST_THRESHOLD = 5;
const observe_message = (e) => (e instanceof Error ? e.message : String(e));
/** Each account read once, as soon as a job names it: a deleted or disabled account is a blocker the plan must know of. */
function accountReader(g) {
    const reads = new Map();
    return {
        read: email => {
            if (reads.has(email))
                return;
            reads.set(email, g.iam.getServiceAccount(email).then(account => ({ account }), (e) => e instanceof ApiError && e.httpStatus === 404
                ? { missing: true }
                : {
                    unreadable: e instanceof ApiError && e.httpStatus === 403 ? 'the caller lacks iam.serviceAccounts.get (roles/iam.serviceAccountViewer)' : observe_message(e)
                }));
        },
        all: async () => Object.fromEntries(await Promise.all([...reads].map(async ([email, r]) => [email, await r])))
    };
}
/** Which jobs to act on, read or listed. */
async function readJobs(g, s, onWritable, readAccount) {
    const seen = (job) => {
        const account = s.invokerServiceAccount ?? job.httpTarget?.oidcToken?.serviceAccountEmail ?? job.httpTarget?.oauthToken?.serviceAccountEmail;
        if (account) {
            onWritable(account, 'serviceAccount', [ACT_AS]);
            readAccount(account);
        }
        return job;
    };
    if (s.jobs.kind === 'named') {
        return Promise.all(s.jobs.ids.map(async (id) => {
            const name = jobName({ project: s.project, location: s.location, id });
            try {
                return { name, job: seen(await g.scheduler.getJob(name)) };
            }
            catch (e) {
                return { name, error: observe_message(e) };
            }
        }));
    }
    const jobs = await g.scheduler.listJobs(locationName(s.project, s.location));
    // `*` audits HTTP jobs; Pub/Sub and App Engine targets have no OIDC to check.
    return jobs.filter(j => j.httpTarget).map(job => ({ name: job.name, job: seen(job) }));
}
/** Everything, read: the core and the diagnosis. */
async function observe(g, s, onWritable = ignore) {
    const { core, diagnosis } = await observeCore(g, s, onWritable);
    return { ...core, ...(await diagnosis) };
}
/**
 * The reads a plan needs, returned as soon as the jobs and targets are known; the diagnosis
 * (account health, ancestors, deny policies) still in flight. A verify run's test attempt
 * needs none of it, so it need not wait for it: the diagnosis costs that run no round trip.
 * Neither part ever rejects for a diagnosis read: refusals are notes.
 */
async function observeCore(g, s, onWritable = ignore) {
    onWritable(`projects/${s.project}`, PROJECT_WRITE.iam, [...PROJECT_WRITE.permissions]);
    const accounts = accountReader(g);
    if (s.invokerServiceAccount) {
        onWritable(s.invokerServiceAccount, 'serviceAccount', [ACT_AS]);
        accounts.read(s.invokerServiceAccount);
    }
    // Off the critical path: its rounds overlap the jobs' and targets' reads.
    const hierarchy = readHierarchy(g, s.project);
    const ctx = readContext(g, s, (w) => onWritable(w.resource, w.iam, w.permissions));
    if (s.jobs.kind !== 'named' || s.jobs.ids.length > LIST_THRESHOLD)
        startListings(ctx);
    const locator = s.target && locatorFor(s.target.input);
    const explicit = locator && locator.read(ctx, locator.fullName({ project: s.project, region: s.region, id: s.target.id }));
    // Surface a failed explicit read once, below, not as an unhandled rejection while jobs load.
    explicit?.catch(() => undefined);
    const [project, projectPolicy, jobs] = await Promise.all([g.projects.getProject(s.project), ctx.projectPolicy(), readJobs(g, s, onWritable, accounts.read)]);
    const targets = {};
    let explicitTarget;
    if (explicit) {
        const t = await explicit.catch((e) => {
            const hint = e instanceof ApiError && e.httpStatus === 404 ? ` Check the '${s.target.input}' and 'region' inputs (${s.target.id} in ${s.region}).` : '';
            throw new Error(`${observe_message(e)}${hint}`);
        });
        targets[t.name] = t;
        explicitTarget = t.name;
    }
    const resolved = await Promise.all(jobs.map(async (o) => {
        if (!o.job?.httpTarget)
            return o;
        if (explicitTarget)
            return { ...o, target: explicitTarget };
        const uri = o.job.httpTarget.uri ?? '';
        // A host no kind recognises may be a custom domain mapped to a Cloud Run service.
        const known = fromUri(uri, s.universe);
        const read = known ?? (googleApiHost(uri, s.universe) ? undefined : byDomainMapping(uri));
        if (!read)
            return o; // Google APIs and unparsable URIs: the plan explains them
        try {
            const t = await read(ctx);
            if (!t)
                return o; // no mapping either: a host outside Google Cloud
            targets[t.name] = t;
            return { ...o, target: t.name };
        }
        catch (e) {
            // An audit meets webhooks outside Google Cloud: an unreadable mapping list leaves them what they are.
            if (!known && s.jobs.kind === 'all')
                return o;
            return {
                ...o,
                targetError: e instanceof ApiError && e.httpStatus === 404 ? `${observe_message(e)} (the job's URI names a target that does not exist)` : observe_message(e)
            };
        }
    }));
    // With only a target input given, the jobs are those that call it.
    const explicitT = explicitTarget ? targets[explicitTarget] : undefined;
    const selected = s.jobs.kind === 'targeting' && explicitT ? resolved.filter(o => o.job?.httpTarget && explicitT.kind.calls(explicitT, o.job.httpTarget.uri ?? '')) : resolved;
    return {
        core: { project: { id: project.projectId ?? s.project, number: String(project.projectNumber) }, projectPolicy, jobs: selected, targets, explicitTarget },
        diagnosis: Promise.all([hierarchy, accounts.all()]).then(([h, a]) => ({ hierarchy: h, accounts: a }))
    };
}
/** Every policy observe read that fix mode may write, by resource: the starting point of its read-modify-writes. */
function knownPolicies(o) {
    return Object.fromEntries([
        ...Object.values(o.targets).map(t => [t.bindingResource, { policy: t.policy, iam: t.kind.iam, setIamPolicy: t.kind.setIamPolicy }]),
        [
            `projects/${o.project.id}`,
            {
                policy: o.projectPolicy,
                iam: PROJECT_WRITE.iam,
                setIamPolicy: { permission: 'resourcemanager.projects.setIamPolicy', role: 'roles/resourcemanager.projectIamAdmin' }
            }
        ]
    ]);
}

;// CONCATENATED MODULE: ./src/engine/apply.ts
/**
 * Fix mode's writes: a permission preflight first (all or nothing), then one job patch per job
 * and one read-modify-write per IAM policy, independent writes in parallel. Says which of the
 * plan's changes landed.
 */



/** Permission → a predefined role that grants it, for the error a person acts on (policy writes: from the policy). */
const GRANTING_ROLE = {
    'cloudscheduler.jobs.update': 'roles/cloudscheduler.admin',
    [ACT_AS]: 'roles/iam.serviceAccountUser'
};
class PreflightError extends Error {
    missing;
    constructor(missing) {
        super(`Fix mode wrote nothing: the caller lacks ${missing.length} permission(s) the repair needs: ` +
            missing.map(m => `${m.permission} on ${m.resource} (grant ${m.role})`).join('; '));
        this.missing = missing;
    }
}
/**
 * Memoised testIamPermissions per resource. Fix mode starts each test as soon as observe learns
 * of a resource, in parallel with the reads, so the preflight adds no round trip of its own.
 */
class PermissionProbe {
    g;
    memo = new Map();
    constructor(g) {
        this.g = g;
    }
    held(resource, surface, permissions) {
        const key = `${surface} ${resource}`;
        let p = this.memo.get(key);
        if (!p) {
            p =
                surface === 'serviceAccount'
                    ? this.g.iam.testServiceAccountPermissions(resource, permissions)
                    : iamOf(this.g, surface).testIamPermissions(resource, permissions);
            // A speculative test nobody awaits must not become an unhandled rejection.
            p.catch(() => undefined);
            this.memo.set(key, p);
        }
        return p;
    }
}
const isToken = (c) => c.kind === 'job.oidc' || c.kind === 'job.oauth';
const isGrant = (c) => !isToken(c);
/** What the planned writes need, from the probe's answers (asked now if not yet asked). */
async function preflight(g, p, project, policies, probe = new PermissionProbe(g)) {
    const needs = [];
    const projectResource = `projects/${project}`;
    const projectNeeds = [
        ...(p.changes.some(isToken) ? [{ permission: 'cloudscheduler.jobs.update', role: GRANTING_ROLE['cloudscheduler.jobs.update'] }] : []),
        ...(p.changes.some(c => isGrant(c) && c.resource === projectResource) ? [policies[projectResource].setIamPolicy] : [])
    ];
    if (projectNeeds.length)
        needs.push({ resource: projectResource, surface: PROJECT_WRITE.iam, label: projectResource, tested: [...PROJECT_WRITE.permissions], needed: projectNeeds });
    for (const resource of new Set(p.changes.filter(isGrant).map(c => c.resource))) {
        if (resource === projectResource)
            continue;
        const known = policies[resource];
        needs.push({ resource, surface: known.iam, label: resource, tested: [known.setIamPolicy.permission], needed: [known.setIamPolicy] });
    }
    // Setting a job's token account requires acting as that account.
    for (const sa of new Set(p.changes.filter(isToken).map(c => c.after.serviceAccountEmail))) {
        needs.push({
            resource: sa,
            surface: 'serviceAccount',
            label: `serviceAccounts/${sa}`,
            tested: [ACT_AS],
            needed: [{ permission: ACT_AS, role: GRANTING_ROLE[ACT_AS] }]
        });
    }
    const held = await Promise.all(needs.map(n => probe.held(n.resource, n.surface, n.tested)));
    const missing = needs.flatMap((n, i) => n.needed.filter(x => !held[i].includes(x.permission)).map(x => ({ resource: n.label, ...x })));
    if (missing.length)
        throw new PreflightError(missing);
}
/**
 * Adds members to roles' unconditional bindings, keeping every other binding, member and
 * condition, at policy version 3. Starts from the policy already read (saving a round trip);
 * a concurrent change (409 ABORTED) re-reads and tries again. Returns the grants it added.
 */
async function addToBindings(iam, resource, grants, known) {
    let policy = known ?? (await iam.getIamPolicy(resource));
    for (let attempt = 0;; attempt++) {
        const bindings = (policy.bindings ?? []).map(b => ({ ...b, members: [...(b.members ?? [])] }));
        const added = [];
        for (const { role, member } of grants) {
            let binding = bindings.find(b => b.role === role && !b.condition);
            if (binding?.members.includes(member))
                continue;
            if (!binding) {
                binding = { role, members: [] };
                bindings.push(binding);
            }
            binding.members.push(member);
            added.push({ role, member });
        }
        if (!added.length)
            return [];
        try {
            await iam.setIamPolicy(resource, { ...policy, version: 3, bindings });
            return added;
        }
        catch (e) {
            if (!(e instanceof ApiError && (e.httpStatus === 409 || e.status === 'ABORTED')) || attempt >= 4)
                throw e;
            await sleep(backoffDelay(attempt, DEFAULT_RETRY));
            policy = await iam.getIamPolicy(resource);
        }
    }
}
/**
 * A token change as a patch: the token object and an update mask naming only the fields it
 * changes (both when the job had no such token: Scheduler's token is a oneof, and setting one
 * kind replaces the other).
 */
function tokenPatch(c) {
    const [field, before, after] = c.kind === 'job.oidc' ? ['oidcToken', c.before && { ...c.before }, { ...c.after }] : ['oauthToken', c.before && { ...c.before }, { ...c.after }];
    const mask = Object.keys(after)
        .filter(k => !before || (before[k] ?? '') !== after[k])
        .map(k => `httpTarget.${field}.${k}`);
    return { body: { httpTarget: { [field]: c.after } }, mask };
}
/** Writes the plan's changes, all at once. Policies already read by observe are passed in to save their re-read. */
async function applyPlan(g, p, policies) {
    const failed = [];
    const settled = (resource, write) => write.catch((e) => {
        failed.push({ resource, error: e instanceof Error ? e.message : String(e) });
        return [];
    });
    const patches = p.changes.filter(isToken).map(c => {
        const { body, mask } = tokenPatch(c);
        return settled(c.resource, g.scheduler.patchJob(c.resource, body, mask).then(() => [c]));
    });
    const byResource = new Map();
    for (const c of p.changes.filter(isGrant))
        byResource.set(c.resource, [...(byResource.get(c.resource) ?? []), c]);
    const grants = [...byResource].map(([resource, changes]) => {
        const known = policies[resource];
        return settled(resource, addToBindings(iamOf(g, known.iam), resource, changes.map(c => c.after), known.policy).then(added => changes.filter(c => added.some(a => a.role === c.after.role && a.member === c.after.member))));
    });
    const landed = new Set((await Promise.all([...patches, ...grants])).flat());
    return { landed: p.changes.filter(c => landed.has(c)), failed, at: Date.now() };
}
/** One line for a run whose writes failed in part: what failed, what stayed, what to do. */
function failedWritesError(a) {
    // One write per job and per policy, however many changes it carried.
    const landed = new Set(a.landed.map(c => c.resource)).size;
    const what = a.failed.map(f => `${f.resource}: ${f.error}`).join('; ');
    return (`Fix mode stopped: ${a.failed.length} of ${a.failed.length + landed} write(s) failed (${what}). ` +
        (landed ? `The ${landed} that landed stay (every write only adds) and are listed in 'changes'. ` : 'Nothing was written. ') +
        'Run again once the cause is fixed: a second run writes only what is still missing.');
}

;// CONCATENATED MODULE: ./src/engine/deny.ts
/** `run.routes.invoke` → `run.googleapis.com/routes.invoke`: the form deny policies use. */
function v2Permission(permission) {
    const dot = permission.indexOf('.');
    return `${permission.slice(0, dot)}.googleapis.com/${permission.slice(dot + 1)}`;
}
/** Deny rules name permission groups with `*` (`run.googleapis.com/*`); the rest must match exactly. */
function permissionMatches(pattern, permission) {
    if (!pattern.includes('*'))
        return pattern.toLowerCase() === permission.toLowerCase();
    const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i');
    return re.test(permission);
}
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Whether a v2 principal identifier covers the service account `email`. */
function principalMatches(principal, email) {
    const p = principal.trim();
    const lower = p.toLowerCase();
    if (lower === `principal://iam.googleapis.com/projects/-/serviceaccounts/${email.toLowerCase()}`)
        return 'yes';
    if (lower === 'principalset://goog/public:all')
        return 'yes';
    if (lower.startsWith('principal://'))
        return 'no'; // another single principal
    // Groups, domains, workforce and workload pools: membership the action cannot see.
    if (lower.startsWith('principalset://'))
        return 'maybe';
    return 'no';
}
function anyMatch(principals, email) {
    const results = (principals ?? []).map(p => principalMatches(p, email));
    return results.includes('yes') ? 'yes' : results.includes('maybe') ? 'maybe' : 'no';
}
/** Whether one rule denies `permission` to `email`: certainly, possibly, or not. */
function ruleApplies(r, email, permission) {
    const v2 = v2Permission(permission);
    if (!(r.deniedPermissions ?? []).some(p => permissionMatches(p, v2)))
        return undefined;
    if ((r.exceptionPermissions ?? []).some(p => permissionMatches(p, v2)))
        return undefined;
    const denied = anyMatch(r.deniedPrincipals, email);
    if (denied === 'no')
        return undefined;
    const excepted = anyMatch(r.exceptionPrincipals, email);
    if (excepted === 'yes')
        return undefined;
    const doubts = [];
    if (denied === 'maybe')
        doubt(doubts, `it names ${setsOf(r.deniedPrincipals)}, whose members the action cannot list`);
    if (excepted === 'maybe')
        doubt(doubts, `it excepts ${setsOf(r.exceptionPrincipals)}, which may hold the account`);
    if (r.denialCondition?.expression)
        doubt(doubts, `it applies only when ${r.denialCondition.expression}`);
    return doubts.length ? { certain: false, doubt: doubts.join('; ') } : { certain: true };
}
const doubt = (list, d) => void list.push(d);
const setsOf = (principals) => (principals ?? []).filter(p => p.toLowerCase().startsWith('principalset://')).join(', ');
/** Every deny rule, on the project and above, that denies `permission` to the account `email`. */
function denyingRules(deny, email, permission) {
    const out = [];
    for (const d of deny)
        for (const p of d.policies)
            (p.rules ?? []).forEach((rule, i) => {
                const hit = rule.denyRule && ruleApplies(rule.denyRule, email, permission);
                if (hit)
                    out.push({ policy: p.name, displayName: p.displayName, rule: i + 1, description: rule.description, resource: d.resource, ...hit });
            });
    return out;
}

;// CONCATENATED MODULE: ./src/engine/plan.ts






const SERVICE_AGENT_ROLE = 'roles/cloudscheduler.serviceAgent';
/** The scope that covers every Google API; an empty scope on a job means it too. */
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
const ok = (id, title, found, expected = found) => ({ id, title, severity: 'ok', found, expected });
/** A remedy that ends in the command to paste: the prose and the command, and the command on its own (reports show it once, in a block). */
const withCommand = (prose, command) => command ? { remedy: `${prose} ${command}`.trim(), command } : { remedy: prose };
/** The remedy without its command, for reports that show the command apart (withCommand's inverse). */
function remedyProse(c) {
    const r = c.remedy ?? '';
    return (c.command && r.endsWith(c.command) ? r.slice(0, -c.command.length).replace(/[\s:]+$/, '') : r).trim();
}
/**
 * Internal ingress admits Cloud Scheduler from the target's own project or VPC Service Controls
 * perimeter (Google's ingress pages for Cloud Run and for functions), so it turns away only a job
 * in another project; ingress NONE turns away everything.
 */
const INTERNAL_INGRESS = ['ALLOW_INTERNAL_ONLY', 'ALLOW_INTERNAL_AND_GCLB', 'INGRESS_TRAFFIC_INTERNAL_ONLY', 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER'];
const jobRef = (name) => splitName(name);
function planJob(o, observed, s) {
    const checks = [];
    const plan = { job: o.name, checks };
    if (!o.job) {
        checks.push({
            id: 'job.read',
            title: 'Job exists',
            severity: 'error',
            found: o.error ?? 'not readable',
            expected: 'a readable Cloud Scheduler job',
            blocker: true,
            ...withCommand('Check the job id and location, and that the caller has roles/cloudscheduler.viewer; the jobs there:', schedulerRemedies.list(s.project, s.location))
        });
        return { plan };
    }
    const job = o.job;
    const http = job.httpTarget;
    if (!http) {
        checks.push({
            id: 'job.type',
            title: 'HTTP target',
            severity: 'error',
            found: job.pubsubTarget ? 'Pub/Sub target' : job.appEngineHttpTarget ? 'App Engine target' : 'no HTTP target',
            expected: 'an HTTP job',
            blocker: true,
            remedy: 'Only HTTP jobs carry OIDC tokens; this job needs no invoker fix.'
        });
        return { plan };
    }
    checks.push(ok('job.type', 'HTTP target', `${http.httpMethod ?? 'POST'} ${http.uri}`));
    const state = job.state ?? 'STATE_UNSPECIFIED';
    if (state === 'ENABLED')
        checks.push(ok('job.state', 'Job state', state));
    else if (state === 'UPDATE_FAILED')
        checks.push({
            id: 'job.state',
            title: 'Job state',
            severity: 'error',
            found: state,
            expected: 'ENABLED',
            blocker: true,
            ...withCommand("The job's last update did not apply; re-apply its configuration with gcloud scheduler jobs update http, or recreate it. Its current configuration:", schedulerRemedies.describe(jobRef(o.name)))
        });
    else
        checks.push({
            id: 'job.state',
            title: 'Job state',
            severity: 'warning',
            found: state,
            expected: 'ENABLED',
            ...withCommand('The job will not run on schedule until resumed:', schedulerRemedies.resume(jobRef(o.name)))
        });
    const uri = http.uri ?? '';
    const apiHost = fromUri(uri, s.universe) ? undefined : googleApiHost(uri, s.universe);
    if (apiHost) {
        // Google APIs take OAuth access tokens; an OIDC token there is always rejected.
        if (http.oidcToken) {
            checks.push({
                id: 'job.token',
                title: 'Token type',
                severity: 'error',
                found: 'OIDC token',
                expected: `OAuth token (the target ${apiHost} is a Google API)`,
                blocker: true,
                ...withCommand('', schedulerRemedies.setOauth(jobRef(o.name), http.oidcToken.serviceAccountEmail ?? 'SA_EMAIL'))
            });
        }
        else {
            checks.push(ok('job.token', 'Token type', http.oauthToken ? 'OAuth token' : 'none', 'OAuth token (Google API target; out of scope beyond this check)'));
        }
        return { plan };
    }
    const t = o.target ? observed.targets[o.target] : undefined;
    if (!t && s.jobs.kind === 'all' && !fromUri(uri, s.universe) && URL.canParse(uri) && !o.targetError) {
        // An audit of every job meets webhooks outside Google Cloud: nothing here to verify or fix.
        checks.push({
            id: 'job.uri',
            title: 'URI target',
            severity: 'warning',
            found: uri,
            expected: 'a Cloud Functions or Cloud Run URL',
            remedy: 'Not a Cloud Functions or Cloud Run target: its authentication is not checked and it is not test-run.'
        });
        return { plan };
    }
    if (!t) {
        checks.push({
            id: 'job.uri',
            title: 'URI target',
            severity: 'error',
            found: uri,
            expected: 'a Cloud Functions or Cloud Run URL',
            blocker: true,
            remedy: o.targetError ?? `Set ${TARGET_INPUTS.map(i => `'${i}'`).join(' or ')} to the target this job should call.`
        });
        return { plan };
    }
    plan.target = t.name;
    plan.bindingResource = t.bindingResource;
    if (t.kind.calls(t, uri))
        checks.push(ok('job.uri', 'URI target', uri, `a URL of ${t.name}`));
    else {
        const alt = t.urls[0];
        checks.push({
            id: 'job.uri',
            title: 'URI target',
            severity: 'error',
            found: uri,
            expected: `a URL of ${t.name} (${alt})`,
            blocker: true,
            ...withCommand('The job calls something else (another function, service or region). Point it at the target:', schedulerRemedies.setUri(jobRef(o.name), alt))
        });
        // Its token and grants would be judged, and repaired, against a target it does not call:
        // fix mode would rewrite a working job's audience and grant a role nobody needs.
        return { plan };
    }
    const jobProject = splitName(o.name).project;
    const ingress = ingressCheck(t, jobProject);
    if (ingress)
        checks.push(ingress);
    checks.push(...frontDoorChecks(o.name, t, uri));
    // Invoker account: the input, else the job's current token account.
    const invoker = s.invokerServiceAccount ?? http.oidcToken?.serviceAccountEmail ?? http.oauthToken?.serviceAccountEmail;
    plan.invoker = invoker;
    const token = t.kind.auth.type === 'oidc' ? oidcChecks(o.name, http, t, t.kind.auth, s, invoker) : oauthChecks(o.name, http, invoker);
    checks.push(...token.checks);
    plan.audience = token.audience;
    let grant;
    let accountBlocked = false;
    if (invoker) {
        const health = accountHealthCheck(o.name, invoker, observed.accounts[invoker], observed.project.number);
        if (health)
            checks.push(health);
        // Google refuses a job update naming such an account: nothing is written for this job, so no grant outlives a refused patch.
        accountBlocked = !!health?.blocker;
        const member = `serviceAccount:${invoker}`;
        const access = t.kind.access(t, job);
        const check = invokerCheck(t, access, member, observed);
        checks.push(check);
        if (check.fixedBy && !accountBlocked)
            grant = { t, role: access.role, member };
        const deny = denyCheck(observed, invoker, access.permission);
        if (deny)
            checks.push(deny);
    }
    return { plan, token: accountBlocked ? undefined : token.change, grant };
}
/**
 * What Cloud Run puts in front of its IAM check: a disabled `run.app` URL answers nothing, and
 * Identity-Aware Proxy admits only accounts it knows before Cloud Run sees the request.
 */
function frontDoorChecks(jobName, t, uri) {
    const out = [];
    const { project, location, id } = splitName(t.bindingResource);
    if (t.defaultUriDisabled && runOrigin(uri)) {
        const command = iamRemedies.enableDefaultUrl(project, location, id);
        out.push({
            id: 'target.url',
            title: 'Default URL',
            severity: 'error',
            found: `the service's run.app URLs are disabled (defaultUriDisabled), and the job calls ${uri}`,
            expected: 'a URL that reaches the service',
            blocker: true,
            ...withCommand(`Point the job at the service's custom domain or load balancer (${schedulerRemedies.setUri(jobRef(jobName), 'https://YOUR-DOMAIN/PATH')}), or enable the default URL again:`, command)
        });
    }
    if (t.iapEnabled)
        out.push({
            id: 'target.iap',
            title: 'Identity-Aware Proxy',
            severity: 'warning',
            found: 'IAP is enabled on the service',
            expected: "the job's account admitted by IAP as well as by Cloud Run IAM",
            ...withCommand("IAP checks each request before Cloud Run IAM does: the job's account needs roles/iap.httpsResourceAccessor on the service too (the action does not grant it):", iamRemedies.grantIapAccess(project, location, id, 'serviceAccount:SA_EMAIL'))
        });
    return out;
}
/**
 * Whether the account can be the job's at all: Google refuses a job update naming an account that
 * does not exist, belongs to another project or is the Scheduler service agent, and a disabled
 * account signs no token. The action never enables or creates an account: it explains.
 */
function accountHealthCheck(jobName, invoker, read, projectNumber) {
    const jobProject = splitName(jobName).project;
    const title = 'Invoker account health';
    const expected = `an enabled service account of ${jobProject}`;
    const blocker = (found, prose, command) => ({
        id: 'account.health',
        title,
        severity: 'error',
        found,
        expected,
        blocker: true,
        ...withCommand(prose, command)
    });
    const create = iamRemedies.createAccount(jobProject, 'scheduler-invoker');
    const choose = `Set 'invoker_service_account' to a service account of ${jobProject}, or create one`;
    if (invoker.toLowerCase() === schedulerServiceAgent(projectNumber).toLowerCase())
        return blocker(`${invoker} is the Cloud Scheduler service agent`, `The service agent mints the tokens of every job; Cloud Scheduler refuses it as a job's own account. ${choose}:`, create);
    const owner = read?.account?.projectId ?? projectOfServiceAccount(invoker);
    if (read?.missing)
        return blocker(`${invoker} does not exist (deleted, or never created)`, `Cloud Scheduler refuses an account that does not exist, and a deleted account's bindings grant nothing. ${choose}:`, create);
    // Scheduler's API reference: "The service account must be within the same project as the job."
    if (owner && owner !== jobProject)
        return blocker(`${invoker} belongs to project ${owner}`, `Cloud Scheduler refuses a token account of another project than the job's (${jobProject}). ${choose}:`, create);
    if (read?.account?.disabled) {
        const enable = iamRemedies.enableAccount(owner ?? jobProject, invoker);
        return blocker(`${invoker} is disabled`, 'A disabled account cannot sign tokens: every attempt fails. Enable it (the action never does):', enable);
    }
    if (read?.account)
        return ok('account.health', title, `enabled, in project ${owner ?? jobProject}`, expected);
    return undefined;
}
/**
 * IAM deny rules on the project, its folders and organization: Google applies them before any
 * grant, so a matching rule makes every binding irrelevant. The action never edits them.
 */
function denyCheck(observed, invoker, permission) {
    const { deny } = observed.hierarchy;
    const matches = denyingRules(deny, invoker, permission);
    const title = 'Deny policies';
    const expected = `no deny rule on ${permission} for ${invoker}`;
    const certain = matches.find(m => m.certain);
    const name = (m) => `${m.policy}${m.displayName ? ` ("${m.displayName}")` : ''} rule ${m.rule}`;
    if (certain) {
        return {
            id: 'iam.deny',
            title,
            severity: 'error',
            found: `denied by ${name(certain)}${certain.description ? `: ${certain.description}` : ''}`,
            expected,
            blocker: true,
            ...withCommand(`A deny rule overrides every grant, and the action never edits deny policies. Whoever owns the policy can add principal://iam.googleapis.com/projects/-/serviceAccounts/${invoker} to the rule's exceptionPrincipals. Read it:`, iamRemedies.describeDenyPolicy(observed.project.id, certain.policy))
        };
    }
    if (matches.length)
        return {
            id: 'iam.deny',
            title,
            severity: 'warning',
            found: `may apply: ${matches.map(m => `${name(m)} (${m.doubt})`).join('; ')}`,
            expected,
            ...withCommand(`If the account is covered, the rule denies ${permission} whatever the grants say:`, iamRemedies.describeDenyPolicy(observed.project.id, matches[0].policy))
        };
    const read = deny.filter(d => !d.unreadable);
    const policies = read.reduce((n, d) => n + d.policies.length, 0);
    // Only worth a line when there were rules to weigh.
    return policies ? ok('iam.deny', title, `none of ${policies} deny polic${policies === 1 ? 'y' : 'ies'} denies ${permission}`, expected) : undefined;
}
/**
 * Internal ingress admits Cloud Scheduler from the target's own project or VPC Service Controls
 * perimeter, so it turns away only a job in another project; ingress NONE turns away everything.
 * Targets without an ingress setting (Google APIs) have no such check.
 */
function ingressCheck(t, jobProject) {
    if (!t.kind.openIngressCommand)
        return undefined;
    const targetProject = splitName(t.bindingResource).project;
    const internal = !!t.ingress && INTERNAL_INGRESS.includes(t.ingress);
    if (t.ingress === 'INGRESS_TRAFFIC_NONE' || (internal && jobProject !== targetProject)) {
        return {
            id: 'target.ingress',
            title: 'Ingress',
            severity: 'error',
            found: internal ? `${t.ingress} (the job is in project ${jobProject}, the target in ${targetProject})` : t.ingress,
            expected: internal ? `the job in ${targetProject}, or all ingress` : 'INGRESS_TRAFFIC_ALL', // NONE exists only on Cloud Run
            blocker: true,
            ...withCommand(internal
                ? `Internal ingress admits Cloud Scheduler only from ${targetProject} (or a VPC Service Controls perimeter holding both projects). Create the job in ${targetProject}, or allow all ingress and keep IAM as the gate:`
                : 'The service accepts no traffic at all. Allow ingress (IAM stays the gate):', t.kind.openIngressCommand(t))
        };
    }
    return ok('target.ingress', 'Ingress', internal ? `${t.ingress} (admits Cloud Scheduler from ${targetProject})` : (t.ingress ?? 'all'));
}
/** The account check both token types share: the job signs (or is issued) its token as this account. */
function accountCheck(current, invoker, fix, fixedBy, tokenWord) {
    if (!invoker)
        return {
            id: 'job.service_account',
            title: 'Invoker account',
            severity: 'error',
            found: 'none',
            expected: 'a service account',
            blocker: true,
            remedy: `The job has no token account: set 'invoker_service_account' to the account the job should sign its ${tokenWord} token as.`
        };
    if (current !== invoker)
        return {
            id: 'job.service_account',
            title: 'Invoker account',
            severity: 'error',
            found: current ?? 'none',
            expected: invoker,
            fixedBy,
            ...withCommand('', fix)
        };
    return ok('job.service_account', 'Invoker account', invoker);
}
/** Functions and Cloud Run: an OIDC token, signed as the invoker account, with an audience the target accepts. */
function oidcChecks(jobName, http, t, auth, s, invoker) {
    const checks = [];
    const uri = http.uri ?? '';
    const current = http.oidcToken;
    const accepted = t.audiences;
    const effectiveAudience = current ? current.audience || uri : undefined;
    let audience;
    if (s.audience)
        audience = s.audience;
    else if (current && effectiveAudience && accepted.includes(effectiveAudience))
        audience = current.audience ?? '';
    else
        audience = auth.defaultAudience(t, uri, current?.audience);
    // The one command that repairs the token, whichever of its fields is wrong.
    const fix = invoker ? schedulerRemedies.setOidc(jobRef(jobName), invoker, audience) : undefined;
    if (current)
        checks.push(ok('job.token', 'Token type', 'OIDC token'));
    else if (http.oauthToken)
        checks.push({
            id: 'job.token',
            title: 'Token type',
            severity: 'error',
            found: 'OAuth token',
            expected: 'OIDC token',
            fixedBy: 'job.oidc',
            ...withCommand('Functions and Cloud Run reject OAuth access tokens (401).', fix)
        });
    else
        checks.push({
            id: 'job.token',
            title: 'Token type',
            severity: 'error',
            found: 'no token',
            expected: 'OIDC token',
            fixedBy: 'job.oidc',
            ...withCommand('Without a token the target answers 403.', fix)
        });
    checks.push(accountCheck(current?.serviceAccountEmail, invoker, fix, 'job.oidc', 'OIDC'));
    // Audience: what the token would carry today vs what the target accepts.
    // An empty audience means the URI: judge what the token would really carry.
    const wantedAudience = s.audience ?? (audience || uri);
    const audienceAcceptable = accepted.includes(wantedAudience) || (s.audience !== undefined && auth.acceptsCustom(t, s.audience));
    if (!audienceAcceptable) {
        const why = auth.audienceRule(t);
        checks.push({
            id: 'job.audience',
            title: 'OIDC audience',
            severity: 'error',
            found: wantedAudience,
            expected: accepted[0] ?? '',
            blocker: true,
            remedy: `The 'audience' input will be rejected (401): ${why}. Remove the input or set it to ${accepted[0]}.`
        });
    }
    else if (current && (current.audience ?? '') === audience) {
        checks.push(ok('job.audience', 'OIDC audience', current.audience || `(empty: the URI ${uri})`, audience || uri));
    }
    else if (current) {
        const found = current.audience || `(empty: defaults to the URI ${uri})`;
        const why = current.audience || !accepted.includes(uri) ? auth.audienceHint : 'set explicitly';
        checks.push({
            id: 'job.audience',
            title: 'OIDC audience',
            severity: 'error',
            found,
            expected: audience,
            fixedBy: 'job.oidc',
            ...withCommand(`${why} (401 otherwise).`, fix)
        });
    }
    else {
        checks.push({ id: 'job.audience', title: 'OIDC audience', severity: 'error', found: 'none (no OIDC token)', expected: audience, fixedBy: 'job.oidc' });
    }
    const oidc = invoker && audienceAcceptable && (current?.serviceAccountEmail !== invoker || (current?.audience ?? '') !== audience || !current)
        ? { serviceAccountEmail: invoker, audience }
        : undefined;
    return { checks, change: oidc && { kind: 'job.oidc', after: oidc }, audience: audience || uri };
}
/** Google APIs (Cloud Run jobs, Workflows): an OAuth access token for the invoker account, a scope that covers the API, a POST. */
function oauthChecks(jobName, http, invoker) {
    const checks = [];
    const current = http.oauthToken;
    const fix = invoker ? schedulerRemedies.setOauth(jobRef(jobName), invoker, CLOUD_PLATFORM) : undefined;
    if (current)
        checks.push(ok('job.token', 'Token type', 'OAuth token'));
    else
        checks.push({
            id: 'job.token',
            title: 'Token type',
            severity: 'error',
            found: http.oidcToken ? 'OIDC token' : 'no token',
            expected: 'OAuth token',
            fixedBy: 'job.oauth',
            ...withCommand(`${http.oidcToken ? 'Google APIs reject OIDC ID tokens' : 'Without a token Google APIs answer'} (401).`, fix)
        });
    checks.push(accountCheck(current?.serviceAccountEmail, invoker, fix, 'job.oauth', 'OAuth'));
    const scope = current?.scope ?? '';
    const scopeOk = !current || scope === '' || scope === CLOUD_PLATFORM;
    if (!current)
        checks.push({ id: 'job.scope', title: 'OAuth scope', severity: 'error', found: 'none (no OAuth token)', expected: CLOUD_PLATFORM, fixedBy: 'job.oauth' });
    else if (scopeOk)
        checks.push(ok('job.scope', 'OAuth scope', scope || `(empty: ${CLOUD_PLATFORM})`, CLOUD_PLATFORM));
    else
        checks.push({
            id: 'job.scope',
            title: 'OAuth scope',
            severity: 'error',
            found: scope,
            expected: CLOUD_PLATFORM,
            fixedBy: 'job.oauth',
            ...withCommand(`A token without ${CLOUD_PLATFORM} is refused (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT).`, fix)
        });
    const method = http.httpMethod ?? 'POST';
    if (method === 'POST')
        checks.push(ok('job.method', 'HTTP method', method));
    else
        checks.push({
            id: 'job.method',
            title: 'HTTP method',
            severity: 'error',
            found: method,
            expected: 'POST',
            blocker: true,
            ...withCommand('The API starts an execution only on POST; the action writes only token fields, so change the method yourself:', schedulerRemedies.setMethod(jobRef(jobName), 'POST'))
        });
    const needsChange = invoker && (!current || current.serviceAccountEmail !== invoker || !scopeOk);
    // A scope that already covers the API is kept: only what is wrong is written.
    const after = { serviceAccountEmail: invoker ?? '', scope: current && scopeOk ? scope : CLOUD_PLATFORM };
    return { checks, change: needsChange ? { kind: 'job.oauth', after } : undefined };
}
/** Whether `member` can invoke `t`, and if not, why not in terms a person recognises. */
function invokerCheck(t, access, member, observed) {
    const { projectPolicy } = observed;
    const projectNumber = observed.project.number;
    const { ancestors } = observed.hierarchy;
    const { role } = access;
    const title = 'Invoker role';
    const expected = `${role} for ${member} on ${t.bindingResource}${access.why ? ` (${access.why})` : ''}`;
    if (t.invokerIamDisabled)
        return ok('iam.invoker', title, 'invoker IAM check disabled (public service)', expected);
    // The first role that grants the permission, held unconditionally by `member`.
    const held = (policy, who) => access.roles.find(r => holders(policy, r).has(who));
    const onResource = holders(t.policy, role);
    if (onResource.has('allUsers'))
        return ok('iam.invoker', title, `${role} granted to allUsers (public)`, expected);
    const here = held(t.policy, member);
    if (here)
        return ok('iam.invoker', title, `${here} on the ${t.kind.bindingNoun}`, expected);
    const inherited = held(projectPolicy, member);
    if (inherited)
        return ok('iam.invoker', title, `${inherited} on the project (inherited)`, expected);
    for (const a of ancestors) {
        const above = held(a.policy, member);
        if (above)
            return ok('iam.invoker', title, `${above} on ${a.resource} (inherited)`, expected);
    }
    // Explain the near misses the classic manual fix produces.
    const notes = [];
    const agent = `serviceAccount:${schedulerServiceAgent(projectNumber)}`;
    if (onResource.has(agent) || holders(projectPolicy, role).has(agent))
        notes.push(`${role} held by the Cloud Scheduler service agent, which is not the account the job's token is signed as`);
    if (conditionalHolders(t.policy, role).has(member))
        notes.push(`${role} only in a conditional binding`);
    const other = [...onResource].filter(m => m !== member && m !== agent);
    // Service accounts are what a job can sign as; people and groups are not named (reports of public repositories are public).
    const accounts = other.filter(m => m.startsWith('serviceAccount:'));
    const unnamed = other.length - accounts.length;
    if (other.length)
        notes.push(`${role} held by ${[...accounts, ...(unnamed ? [`${unnamed} other member(s) (users, groups: not listed)`] : [])].join(', ')} only`);
    notes.push(...t.kind.nearMisses(t, member));
    // A recreated account keeps its email but not its bindings: the old ones now read deleted:…?uid=….
    const deleted = [t.policy, projectPolicy, ...ancestors.map(a => a.policy)].flatMap(p => deletedHolders(p, access.roles, member));
    if (deleted.length)
        notes.unshift(`bound only as ${[...new Set(deleted)].join(', ')}: the account was deleted and recreated, and a recreated account does not inherit the old one's bindings (fix grants the live account and removes nothing)`);
    const unseen = ancestors.filter(a => a.unreadable).map(a => a.resource);
    if (unseen.length)
        notes.push(`${notes.length ? '' : 'missing; '}not seen: a grant on ${unseen.join(', ')} (policy not readable)`);
    return {
        id: 'iam.invoker',
        title,
        severity: 'error',
        found: notes.length ? notes.join('; ') : 'missing',
        expected,
        fixedBy: 'iam.invoker',
        ...withCommand('Without it the target answers 403.', t.kind.grantCommand(t, member, role))
    };
}
function serviceAgentCheck(observed) {
    const agent = `serviceAccount:${schedulerServiceAgent(observed.project.number)}`;
    const expected = `${SERVICE_AGENT_ROLE} for ${agent} on projects/${observed.project.id}`;
    if (holders(observed.projectPolicy, SERVICE_AGENT_ROLE).has(agent))
        return ok('iam.service_agent', 'Scheduler service agent', `${SERVICE_AGENT_ROLE} on the project`, expected);
    const above = observed.hierarchy.ancestors.find(a => holders(a.policy, SERVICE_AGENT_ROLE).has(agent));
    if (above)
        return ok('iam.service_agent', 'Scheduler service agent', `${SERVICE_AGENT_ROLE} on ${above.resource} (inherited)`, expected);
    return {
        id: 'iam.service_agent',
        title: 'Scheduler service agent',
        severity: 'error',
        found: 'missing',
        expected,
        fixedBy: 'iam.service_agent',
        ...withCommand('Without it Cloud Scheduler cannot mint OIDC tokens for any job.', schedulerRemedies.grantOnProject(observed.project.id, agent, SERVICE_AGENT_ROLE))
    };
}
/** The change with what the job holds today as `before`. */
function tokenChange(o, t) {
    const http = o.job?.httpTarget;
    if (t.kind === 'job.oidc') {
        const b = http?.oidcToken;
        return {
            job: o.name,
            resource: o.name,
            kind: t.kind,
            before: b ? { serviceAccountEmail: b.serviceAccountEmail ?? null, audience: b.audience ?? null } : null,
            after: t.after
        };
    }
    const b = http?.oauthToken;
    return {
        job: o.name,
        resource: o.name,
        kind: t.kind,
        before: b ? { serviceAccountEmail: b.serviceAccountEmail ?? null, scope: b.scope ?? null } : null,
        after: t.after
    };
}
function plan_plan(observed, s) {
    const jobs = [];
    const changes = [];
    const granted = new Set();
    const agentCheck = s.checkServiceAgent ? serviceAgentCheck(observed) : undefined;
    for (const o of observed.jobs) {
        const r = planJob(o, observed, s);
        if (agentCheck && o.job?.httpTarget && r.plan.target)
            r.plan.checks.push(agentCheck);
        jobs.push(r.plan);
        if (r.token)
            changes.push(tokenChange(o, r.token));
        if (r.grant) {
            const { t, role, member } = r.grant;
            // A shared target gets one change per member, attributed to the first job that needs it.
            const key = `${t.bindingResource} ${role} ${member}`;
            if (!granted.has(key)) {
                granted.add(key);
                changes.push({ job: o.name, resource: t.bindingResource, kind: 'iam.invoker', before: null, after: { role, member } });
            }
        }
    }
    const firstHttpJob = jobs.find(j => j.target);
    if (agentCheck?.fixedBy && firstHttpJob) {
        const member = `serviceAccount:${schedulerServiceAgent(observed.project.number)}`;
        changes.push({
            job: firstHttpJob.job,
            resource: `projects/${observed.project.id}`,
            kind: 'iam.service_agent',
            before: null,
            after: { role: SERVICE_AGENT_ROLE, member }
        });
    }
    const unread = Object.entries(observed.accounts)
        .filter(([, r]) => r.unreadable)
        .map(([email, r]) => `Service account ${email} was not read (${r.unreadable}): whether it exists and is enabled is not checked.`);
    return { jobs, changes, notes: [...observed.hierarchy.notes, ...unread] };
}
/** Members bound to one of `roles` as the deleted predecessor of `member` (`deleted:serviceAccount:SA?uid=N`). */
function deletedHolders(policy, roles, member) {
    const prefix = `deleted:${member.toLowerCase()}?uid=`;
    return roles.flatMap(r => [...holders(policy, r)].filter(m => m.toLowerCase().startsWith(prefix)));
}
/** Whether a job has anything that fails the run outright. */
const hasBlocker = (j) => j.checks.some(c => c.severity === 'error' && c.blocker);
/** Whether a job has drift that fix mode would repair. */
const hasDrift = (j) => j.checks.some(c => c.severity === 'error' && c.fixedBy);

;// CONCATENATED MODULE: ./src/engine/outcome.ts

/** A finding fix mode has just repaired: no longer an error, and no longer for a person to fix. */
const wasRepaired = (o, j, c) => o.mode === 'fix' && o.applied && !!c.fixedBy && !c.blocker && !j.writeFailed.includes(c.fixedBy);
/** The finding a failed attempt is put down to, as the job's report shows it. */
const explainingCheck = (j) => (j.cause ? j.plan.checks.find(c => c.id === j.cause) : undefined);
/** Why a run failed, in one plain line: its error, else the first failed job's attempt or blocker. */
function failureLine(o) {
    if (o.error)
        return o.error;
    const j = o.jobs.find(x => x.result === 'failed');
    const a = j?.attempt;
    if (j && a && (!a.passed || a.error)) {
        const status = a.error ? `could not be tested (${a.error})` : `failed its test attempt${a.httpStatus ? ` (HTTP ${a.httpStatus})` : ''}`;
        return `${j.plan.job} ${status}${j.explanation ? `: ${j.explanation}` : ''}; see the job summary for the fix.`;
    }
    const c = j?.plan.checks.find(x => x.severity === 'error' && (x.blocker || !x.fixedBy));
    if (j && c)
        return `${j.plan.job}: ${c.title}: ${c.found}; fix mode cannot repair this (see the job summary for the fix).`;
    return 'A job is not set up right; see the job summary for the cause and the fix.';
}
/**
 * The finding that explains a refused or failed attempt, if one does: a blocker or unrepaired
 * error by the status it causes, or IAP, which answers 401/403 before IAM is asked. A warning
 * that only "may apply" explains nothing.
 */
function explainingFinding(plan, attempt, applied) {
    if (attempt.passed || attempt.execution)
        return undefined;
    // Repaired drift no longer explains anything; blockers and findings fix mode has no repair for still do.
    const errors = plan.checks.filter((c) => c.severity === 'error' && (c.blocker || !applied || !c.fixedBy));
    const byStatus = {
        401: ['account.health', 'job.token', 'job.audience', 'job.service_account', 'iam.troubleshooter'],
        403: [
            'iam.deny',
            'account.health',
            'target.ingress',
            'iam.invoker',
            'job.token',
            'job.scope',
            'iam.service_agent',
            'job.service_account',
            'iam.troubleshooter'
        ],
        404: ['target.url', 'job.uri', 'job.method', 'target.ingress']
    };
    const order = attempt.httpStatus ? (byStatus[attempt.httpStatus] ?? []) : [];
    // A 5xx (or any status past authentication) is the target's own answer: no auth finding explains it.
    const authLike = !attempt.httpStatus || attempt.httpStatus < 500;
    const hit = order.map(id => errors.find(c => c.id === id)).find(Boolean) ?? (authLike ? errors[0] : undefined);
    if (hit)
        return hit;
    return attempt.httpStatus === 401 || attempt.httpStatus === 403 ? plan.checks.find(c => c.id === 'target.iap') : undefined;
}
/** Why an attempt failed, for the report: its finding, or what else the status says. */
function explainFailure(plan, attempt, applied) {
    if (attempt.passed)
        return undefined;
    const x = attempt.execution;
    if (x && !x.name)
        return `the attempt was accepted (authentication passed), but its execution could not be followed: ${x.error ?? x.state}`;
    if (x)
        return x.running
            ? `the execution ${x.name} was still running at the timeout; raise 'timeout' or set 'await_execution: false'`
            : `the attempt was accepted (authentication passed), but the execution ${x.name || 'it created'} ended ${x.state}${x.error ? `: ${x.error}` : ''}`;
    const hit = explainingFinding(plan, attempt, applied);
    if (hit)
        return hit.severity === 'error' ? `${hit.title}: ${hit.found} (expected ${hit.expected})` : `${hit.title}: ${hit.found}; ${hit.remedy ?? ''}`.trim();
    if (attempt.httpStatus && attempt.httpStatus >= 500)
        return `the target itself answered ${attempt.httpStatus}: authentication passed; look at the function's or service's own logs`;
    if (attempt.httpStatus === 401 || attempt.httpStatus === 403)
        return applied
            ? 'IAM changes had not propagated within the timeout; run again in a few minutes'
            : 'no check explains it; the target may require something else (VPC-SC, org policy)';
    return undefined;
}
function jobResult(mode, plan, changes, attempt, applied, writeFailed = []) {
    if (hasBlocker(plan) || writeFailed.length || (attempt && (!attempt.passed || attempt.error)))
        return 'failed';
    if (mode === 'verify' && hasDrift(plan))
        return 'drift';
    if (mode === 'fix' && applied && changes.length)
        return 'fixed';
    if (mode === 'fix' && !applied && hasDrift(plan))
        return 'failed';
    return 'ok';
}
function overallResult(jobs, error, mode, anyChange) {
    if (error || jobs.some(j => j.result === 'failed'))
        return 'failed';
    if (jobs.some(j => j.result === 'drift'))
        return 'drift';
    if (mode === 'fix' && anyChange)
        return 'fixed';
    return 'ok';
}
/** The changes that concern one job: its patch, its account's invoker grant, the project's service agent grant. */
function changesOfJob(all, j) {
    return all.filter(c => c.job === j.job ||
        (c.kind === 'iam.invoker' && c.resource === j.bindingResource && c.after.member === `serviceAccount:${j.invoker}`) ||
        (c.kind === 'iam.service_agent' && !!j.target));
}
/** Everything the report needs, from what each step produced (any of them may be missing after an error). */
function buildOutcome(s, p, applied, attempts, error) {
    // Verify reports what fix would change; fix reports only what it changed.
    const changes = p ? (s.mode === 'fix' ? (applied?.landed ?? []) : p.changes) : [];
    const jobs = (p?.jobs ?? []).map(plan => {
        const attempt = attempts.find(a => a.job === plan.job);
        const own = changesOfJob(changes, plan);
        const failed = new Set(applied?.failed.map(f => f.resource));
        const writeFailed = p
            ? changesOfJob(p.changes, plan)
                .filter(c => failed.has(c.resource))
                .map(c => c.kind)
            : [];
        const result = jobResult(s.mode, plan, own, attempt, !!applied, writeFailed);
        return {
            plan,
            attempt,
            changes: own,
            result,
            explanation: attempt ? explainFailure(plan, attempt, !!applied) : undefined,
            cause: attempt && explainingFinding(plan, attempt, !!applied)?.id,
            writeFailed
        };
    });
    return {
        mode: s.mode,
        result: overallResult(jobs, error, s.mode, changes.length > 0),
        jobs,
        changes,
        error,
        applied: !!applied,
        expectedStatus: s.expectedStatus,
        notes: p?.notes ?? []
    };
}

;// CONCATENATED MODULE: ./src/engine/testrun.ts



const RPC_TO_HTTP = { 3: 400, 4: 504, 5: 404, 7: 403, 8: 429, 13: 500, 14: 503, 16: 401 };
const RPC_NAMES = {
    2: 'UNKNOWN',
    3: 'INVALID_ARGUMENT',
    4: 'DEADLINE_EXCEEDED',
    5: 'NOT_FOUND',
    7: 'PERMISSION_DENIED',
    8: 'RESOURCE_EXHAUSTED',
    13: 'INTERNAL',
    14: 'UNAVAILABLE',
    16: 'UNAUTHENTICATED'
};
const rpcName = (code) => RPC_NAMES[code] ?? `code ${code}`;
/**
 * The HTTP status a failed attempt's google.rpc code implies; undefined when it is too coarse
 * (UNKNOWN) or absent — no code means some 2xx, and which one only the log knows.
 */
function httpFromRpc(code) {
    return code ? RPC_TO_HTTP[code] : undefined;
}
/** The attempt's status as the report and outputs show it: exact, `2xx` when only success is known, else undefined. */
const shownStatus = (a) => (a.httpStatus ? String(a.httpStatus) : a.inferredSuccess ? '2xx' : undefined);
const FINISHED = 'type.googleapis.com/google.cloud.scheduler.logging.AttemptFinished';
/** One poller per run: a single entries:list serves every job waiting for its entry. */
class LogWatcher {
    g;
    project;
    pollMs;
    log;
    waiters = [];
    running = false;
    reads = new RateLimit(LOG_READS_PER_MINUTE, 60_000);
    unavailable;
    constructor(g, project, pollMs, log) {
        this.g = g;
        this.project = project;
        this.pollMs = pollMs;
        this.log = log;
    }
    wait(jobName, since, deadline) {
        if (this.unavailable)
            return Promise.resolve(undefined);
        const { id, location } = splitName(jobName);
        return new Promise(resolve => {
            this.waiters.push({ jobId: id, location, since, registered: Date.now(), resolve, deadline });
            if (!this.running)
                void this.loop();
        });
    }
    filter() {
        const since = this.waiters.map(w => w.since).sort((a, b) => Date.parse(a) - Date.parse(b))[0];
        const locations = [...new Set(this.waiters.map(w => w.location))];
        // Logging filters are capped at 20k characters: name jobs only while the list stays short.
        const ids = [...new Set(this.waiters.map(w => w.jobId))];
        const scope = ids.length <= 50
            ? `(${ids.map(i => `resource.labels.job_id="${i}"`).join(' OR ')})`
            : `(${locations.map(l => `resource.labels.location="${l}"`).join(' OR ')})`;
        return [
            `logName="projects/${this.project}/logs/cloudscheduler.googleapis.com%2Fexecutions"`,
            'resource.type="cloud_scheduler_job"',
            `jsonPayload.@type="${FINISHED}"`,
            `timestamp>="${since}"`,
            scope
        ].join(' AND ');
    }
    async loop() {
        this.running = true;
        try {
            while (this.waiters.length) {
                let entries = [];
                await this.reads.take();
                try {
                    entries = await this.g.logging.listEntries({
                        resourceNames: [`projects/${this.project}`],
                        filter: this.filter(),
                        orderBy: 'timestamp desc',
                        pageSize: 1000
                    });
                }
                catch (e) {
                    if (e instanceof ApiError && e.httpStatus === 429) {
                        this.log('Cloud Logging read quota reached; backing off');
                    }
                    else {
                        // No logging.logEntries.list (roles/logging.viewer) or Logging down: fall back to the job status.
                        this.unavailable = e instanceof Error ? e.message : String(e);
                        this.log(`Cannot read the execution log (${this.unavailable}); HTTP statuses will be inferred from the job status`);
                        for (const w of this.waiters)
                            w.resolve(undefined);
                        this.waiters = [];
                        return;
                    }
                }
                const now = Date.now();
                this.waiters = this.waiters.filter(w => {
                    const hit = entries.find(e => e.resource?.labels?.job_id === w.jobId && e.resource?.labels?.location === w.location && Date.parse(e.timestamp ?? '') >= Date.parse(w.since));
                    if (hit || now >= w.deadline) {
                        w.resolve(hit);
                        return false;
                    }
                    return true;
                });
                // The newest waiter sets the pace: its entry is the one most likely to land soon.
                if (this.waiters.length)
                    await sleep(cadence(this.pollMs, Math.max(...this.waiters.map(w => w.registered)), 10000));
            }
        }
        finally {
            this.running = false;
        }
    }
}
/**
 * Polls in a short burst right after a wait starts (an attempt and its log entry most often
 * land within seconds), then at the normal cadence, then slower: waiting adds little to
 * Google's own delays while reads stay well inside quotas.
 */
const BURST_MS = 250;
const BURST_FOR_MS = 4000;
function cadence(normalMs, since, normalForMs) {
    const age = Date.now() - since;
    if (age < BURST_FOR_MS)
        return Math.min(BURST_MS, normalMs);
    return age < normalForMs ? normalMs : Math.round(normalMs * 2.5);
}
/** Logging allows 60 entries:list calls per minute per project; the bursts above stay under this. */
const LOG_READS_PER_MINUTE = 50;
/**
 * Detects attempts by reading the jobs, for every job of a run in one poll loop: a few jobs are
 * read one by one, many by listing their location (one call per 500 jobs), so a project-wide
 * test run stays inside Cloud Scheduler's read quota.
 */
class AttemptWatcher {
    g;
    pollMs;
    waiters = [];
    running = false;
    constructor(g, pollMs) {
        this.g = g;
        this.pollMs = pollMs;
    }
    /** The job once its lastAttemptTime moves past `previous`; undefined at the deadline. */
    wait(name, previous, deadline) {
        return new Promise((resolve, reject) => {
            this.waiters.push({ name, previous, since: Date.now(), deadline, resolve, reject });
            if (!this.running)
                void this.loop();
        });
    }
    async read() {
        const jobs = new Map();
        if (this.waiters.length <= 5) {
            await Promise.all(this.waiters.map(w => this.g.scheduler.getJob(w.name).then(job => void jobs.set(w.name, job), (e) => {
                w.reject(e);
                this.waiters = this.waiters.filter(x => x !== w);
            })));
            return jobs;
        }
        const parents = [
            ...new Set(this.waiters.map(w => {
                const { project, location } = splitName(w.name);
                return locationName(project, location);
            }))
        ];
        await Promise.all(parents.map(async (parent) => (await this.g.scheduler.listJobs(parent)).forEach(job => jobs.set(job.name, job))));
        return jobs;
    }
    async loop() {
        this.running = true;
        try {
            while (this.waiters.length) {
                let jobs;
                try {
                    jobs = await this.read();
                }
                catch (e) {
                    for (const w of this.waiters)
                        w.reject(e);
                    this.waiters = [];
                    return;
                }
                const now = Date.now();
                this.waiters = this.waiters.filter(w => {
                    const job = jobs.get(w.name);
                    if (job?.lastAttemptTime && job.lastAttemptTime !== w.previous)
                        w.resolve(job);
                    else if (now >= w.deadline)
                        w.resolve(undefined);
                    else
                        return true;
                    return false;
                });
                if (this.waiters.length)
                    await sleep(Math.min(cadence(this.pollMs, Math.max(...this.waiters.map(w => w.since)), 15000), Math.max(0, Math.min(...this.waiters.map(w => w.deadline)) - Date.now())));
            }
        }
        finally {
            this.running = false;
        }
    }
}
/** Runner and Google clocks agree to well under this (both NTP-synced). */
const testrun_CLOCK_SLACK_MS = 2000;
/**
 * The attempt to wait past. A job on a tight schedule may have fired since it was first read (a
 * fix phase takes seconds): the attempt `jobs.run` reports is then newer, and it is not ours.
 * One that started around or after the call could be ours, and is not taken as the baseline.
 */
function laterAttempt(previous, reported, runStartedMs) {
    if (!reported)
        return previous;
    const at = Date.parse(reported);
    if (!(at < runStartedMs - testrun_CLOCK_SLACK_MS))
        return previous;
    return !previous || at > Date.parse(previous) ? reported : previous;
}
/** Runs every job concurrently; `timeoutMs` bounds the whole phase. */
async function testRun(g, jobs, o) {
    const log = o.log ?? (() => { });
    const deadline = Date.now() + o.timeoutMs;
    const watcher = new LogWatcher(g, o.project, o.logPollMs ?? 1000, log);
    const attempts = new AttemptWatcher(g, o.jobPollMs ?? 750);
    return Promise.all(jobs.map(j => runOne(g, j, o, deadline, { watcher, attempts }, log).catch((e) => ({
        job: j.name,
        inferred: false,
        runs: 1,
        passed: false,
        error: e instanceof Error ? e.message : String(e)
    }))));
}
async function runOne(g, j, o, deadline, { watcher, attempts }, log) {
    const result = { job: j.name, inferred: false, runs: 0, passed: false };
    let previous = j.lastAttemptTime;
    const id = splitName(j.name).id;
    const waiting = async (what, p) => {
        const end = o.wait?.(`${id}: ${what}`);
        try {
            return await p();
        }
        finally {
            end?.();
        }
    };
    for (let retry = 0;; retry++) {
        result.runs++;
        const started = Date.now();
        try {
            const ran = await g.scheduler.runJob(j.name, deadline);
            previous = laterAttempt(previous, ran.lastAttemptTime, started);
        }
        catch (e) {
            if (!(e instanceof QuotaWaitError)) {
                result.error = e instanceof Error ? e.message : String(e);
                return result;
            }
            result.runs--; // this run never started
            if (retry === 0)
                result.error =
                    `not run: the action keeps Cloud Scheduler job writes (runs and updates) under ${e.max} per ${e.windowMs / 1000} s ` +
                        `(Google's default quota is 500 per minute per project), and none was free before the ${Math.round(o.timeoutMs / 1000)} s \`timeout\`. ` +
                        'Raise `timeout` or test fewer jobs in one step.';
            // On a propagation re-run, the last attempt's status stands.
            return result;
        }
        // Detect the attempt on the job itself: it moves lastAttemptTime and sets status.
        const job = await waiting('waiting for the attempt', () => attempts.wait(j.name, previous, deadline));
        if (!job?.lastAttemptTime) {
            result.error = `no attempt seen within the ${Math.round(o.timeoutMs / 1000)} s timeout`;
            return result;
        }
        previous = job.lastAttemptTime;
        result.latencyMs = Date.now() - started;
        result.rpcCode = job.status?.code || undefined;
        const entry = await waiting('waiting for the execution log entry', () => watcher.wait(j.name, job.lastAttemptTime, Math.min(deadline, Date.now() + (o.logWaitMs ?? 45000))));
        if (entry?.httpRequest?.status) {
            result.httpStatus = entry.httpRequest.status;
            result.inferred = false;
            result.inferredSuccess = undefined;
            result.debugInfo = entry.jsonPayload?.debugInfo;
        }
        else {
            result.httpStatus = httpFromRpc(result.rpcCode);
            result.inferred = true;
            result.inferredSuccess = !result.rpcCode;
            result.debugInfo = undefined;
        }
        result.passed = result.inferredSuccess ? o.expectedStatus >= 200 && o.expectedStatus < 300 : result.httpStatus === o.expectedStatus;
        if (result.passed) {
            if (o.fixedAt !== undefined && retry > 0)
                result.propagationMs = Date.now() - o.fixedAt;
            // A 200 from a Google API only says an execution was created: its end says whether it ran.
            if (j.followExecution) {
                result.execution = await waiting('waiting for the execution to end', () => j.followExecution(started, deadline)).catch((e) => ({
                    name: '',
                    state: 'UNKNOWN',
                    succeeded: false,
                    running: false,
                    error: e instanceof Error ? e.message : String(e)
                }));
                result.passed = result.execution.succeeded;
            }
            return result;
        }
        const authFailure = result.httpStatus === 401 || result.httpStatus === 403;
        const backoff = Math.min(2000 * 2 ** retry, 15000);
        if (!j.retryWhilePropagating || !authFailure || Date.now() + backoff > deadline)
            return result;
        log(`${id}: attempt returned ${result.httpStatus}; IAM changes take time to propagate, re-running in ${Math.round(backoff / 1000)} s`);
        await waiting('waiting for IAM changes to propagate', () => sleep(backoff));
    }
}

;// CONCATENATED MODULE: ./src/engine/troubleshoot.ts


const troubleshoot_message = (e) => (e instanceof Error ? e.message : String(e));
/**
 * Whether the attempt was turned away for who sent it with no finding to say why. As before any
 * repair: drift that fix mode repaired explains a refusal too (the grant may still propagate).
 */
function unexplained(plan, attempt) {
    if (!attempt || attempt.passed || (attempt.httpStatus !== 401 && attempt.httpStatus !== 403))
        return false;
    return !explainingFinding(plan, attempt, false);
}
/** The verdict in one line: the overall state, and every policy that weighed in. */
function verdict(r) {
    const parts = [r.overallAccessState ?? 'OVERALL_ACCESS_STATE_UNSPECIFIED'];
    const allow = r.allowPolicyExplanation;
    if (allow?.allowAccessState) {
        const granting = (allow.explainedPolicies ?? []).filter(p => p.allowAccessState === 'ALLOW_ACCESS_STATE_GRANTED').map(p => p.fullResourceName);
        parts.push(`allow: ${allow.allowAccessState}${granting.length ? ` (granted on ${granting.join(', ')})` : ''}`);
    }
    const deny = r.denyPolicyExplanation;
    if (deny?.denyAccessState) {
        const denying = (deny.explainedResources ?? []).flatMap(res => (res.explainedPolicies ?? []).filter(p => p.denyAccessState === 'DENY_ACCESS_STATE_DENIED').map(p => p.policy?.name ?? res.fullResourceName ?? ''));
        parts.push(`deny: ${deny.denyAccessState}${denying.length ? ` (by ${denying.join(', ')})` : ''}`);
    }
    return parts.join('; ');
}
/** Asks the Troubleshooter about one job, and says what it answered as a finding. */
async function troubleshoot(g, plan, t, job) {
    const access = t.kind.access(t, job);
    const tuple = { principal: plan.invoker ?? '', fullResourceName: t.kind.fullResourceName(t), permission: access.permission };
    const title = 'Policy Troubleshooter';
    const expected = `CAN_ACCESS for ${tuple.principal} (${tuple.permission} on ${tuple.fullResourceName})`;
    try {
        const r = await g.troubleshooter.troubleshoot(tuple);
        const found = verdict(r);
        const state = r.overallAccessState;
        return {
            id: 'iam.troubleshooter',
            title,
            severity: 'error',
            found,
            expected,
            remedy: state === 'CAN_ACCESS'
                ? 'Google sees the access granted, yet the attempt was refused: what stops it is outside IAM (VPC Service Controls, an organization policy, a proxy in front of the target), or a grant still propagating: run again in a few minutes.'
                : state === 'CANNOT_ACCESS'
                    ? 'Google sees no access for this account: the policies named above decide it.'
                    : 'Google could not decide from what the caller may read (a policy above the project, or a condition): with roles/iam.securityReviewer on the organization it can.'
        };
    }
    catch (e) {
        const refused = e instanceof ApiError && (e.httpStatus === 403 || e.httpStatus === 401);
        return {
            id: 'iam.troubleshooter',
            title,
            severity: 'warning',
            found: refused ? 'not asked: the caller lacks roles/iam.securityReviewer (Policy Troubleshooter refused)' : `no answer: ${troubleshoot_message(e)}`,
            expected,
            remedy: 'Grant the caller roles/iam.securityReviewer on the project to have Google explain an unexplained 403 here.'
        };
    }
}
/** Adds the Troubleshooter's verdict to every job whose refused attempt no finding explains. */
async function explainRefusals(g, jobs, attempts, targetOf) {
    await Promise.all(jobs.map(async (j) => {
        const at = targetOf(j);
        if (!at ||
            !j.invoker ||
            !unexplained(j, attempts.find(a => a.job === j.job)))
            return;
        j.checks.push(await troubleshoot(g, j, at.t, at.job));
    }));
}

;// CONCATENATED MODULE: ./src/engine/logger.ts
const nullLogger = {
    info: () => { },
    debug: () => { },
    group: (_name, fn) => fn()
};

;// CONCATENATED MODULE: ./src/engine/index.ts









const engine_message = (e) => (e instanceof Error ? e.message : String(e));
/** A plan made before the diagnosis lands: enough to know which jobs to test, never reported. */
const NO_DIAGNOSIS = { hierarchy: { ancestors: [], deny: [], notes: [] }, accounts: {} };
/** How often a followed execution is read: executions take seconds to minutes, reads are cheap. */
const EXECUTION_POLL_MS = 1000;
function executionFollower(g, t) {
    const follow = t?.kind.followExecution;
    return follow && ((since, deadline) => follow(g, t, since, deadline, EXECUTION_POLL_MS));
}
async function runEngine(s, g, log, opts = {}) {
    // Fix mode tests its write permissions while it reads, so the preflight costs no extra round trip.
    const probe = s.mode === 'fix' ? new PermissionProbe(g) : undefined;
    let p;
    let applied;
    let attempts = [];
    let error;
    try {
        const { core, diagnosis } = await log.group('Read jobs, targets and IAM policies', async () => {
            const r = await observeCore(g, s, probe ? (resource, surface, permissions) => void probe.held(resource, surface, permissions) : undefined);
            log.info(`Project ${r.core.project.id} (${r.core.project.number}); ${r.core.jobs.length} job(s); ${Object.keys(r.core.targets).length} target(s)`);
            return r;
        });
        if (!core.jobs.length)
            throw new Error(`No Cloud Scheduler job to check in projects/${s.project}/locations/${s.location}${s.target ? ` calls ${s.target.input} ${s.target.id}` : ''}; check 'job' and 'location'.`);
        const test = (jobs, fixed) => log.group('Test run', () => testRun(g, jobs
            .filter(j => j.target)
            .map(j => ({
            name: j.job,
            lastAttemptTime: core.jobs.find(o => o.name === j.job)?.job?.lastAttemptTime,
            retryWhilePropagating: !!fixed && changesOfJob(fixed.landed, j).length > 0 && !hasBlocker(j),
            followExecution: s.awaitExecution ? executionFollower(g, core.targets[j.target]) : undefined
        })), {
            project: s.project,
            expectedStatus: s.expectedStatus,
            timeoutMs: s.timeoutSeconds * 1000,
            fixedAt: fixed?.at,
            log: m => log.info(m),
            wait: log.wait && (what => log.wait(what))
        }));
        // A verify run's attempts need nothing of the diagnosis (which jobs have a target is known
        // already): they start now, and the diagnosis costs the run no round trip.
        const early = s.mode === 'verify' && s.testRun ? test(plan_plan({ ...core, ...NO_DIAGNOSIS }, s).jobs, undefined) : undefined;
        early?.catch(() => undefined); // awaited below; its failure is reported there
        const observed = { ...core, ...(await diagnosis) };
        const plan = plan_plan(observed, s);
        p = plan;
        const printPlan = () => {
            for (const j of plan.jobs)
                for (const c of j.checks)
                    log.info(`${c.severity === 'ok' ? 'ok   ' : c.severity === 'warning' ? 'warn ' : 'error'} ${lastSegment(j.job)}: ${c.title}: ${c.found}`);
            for (const n of plan.notes)
                log.info(`note  ${n}`);
        };
        // While attempts run, their log group is open: the findings follow it rather than land in it.
        if (!early)
            printPlan();
        if (s.mode === 'fix' && plan.changes.length) {
            if (opts.confirm && !(await opts.confirm(plan)))
                return buildOutcome({ ...s, mode: 'verify' }, plan, undefined, [], undefined);
            const policies = knownPolicies(observed);
            const a = await log.group('Repair', async () => {
                await preflight(g, plan, observed.project.id, policies, probe);
                const done = await applyPlan(g, plan, policies);
                const patched = done.landed.filter(c => c.kind === 'job.oidc' || c.kind === 'job.oauth').length;
                log.info(`Patched ${patched} job(s); added ${done.landed.length - patched} IAM member(s)`);
                return done;
            });
            applied = a;
            // A test run would only show the half-repaired state; the report says what landed.
            if (a.failed.length)
                throw new Error(failedWritesError(a));
        }
        if (s.testRun) {
            attempts = await (early ?? test(plan.jobs, applied));
            if (early)
                printPlan();
            await explainRefusals(g, plan.jobs, attempts, j => {
                const t = j.target ? observed.targets[j.target] : undefined;
                const job = observed.jobs.find(o => o.name === j.job)?.job;
                return t && job ? { t, job } : undefined;
            });
        }
    }
    catch (e) {
        error = engine_message(e);
    }
    return buildOutcome(s, p, applied, attempts, error);
}

;// CONCATENATED MODULE: ./src/render/escape.ts
/**
 * Text that comes from Google (names, URIs, audiences, error messages) is data: one escaping
 * function per medium it is shown in, so it can add no markup, link, mention, hidden marker or
 * workflow command. Shell words are quoted where commands are built (src/remedies.ts).
 */
const LINE_BREAKS = /\r\n|[\r\n\u2028\u2029\u0085]/g;
/** One log line: folded, so no part of it can start a line of its own (`::warning::…` is a workflow command). */
const logLine = (value) => value.replace(LINE_BREAKS, ' ⏎ ');
/**
 * Plain markdown text, safe in a paragraph or a table cell: every character markdown or HTML
 * gives a meaning to is escaped or encoded, line breaks folded, and `@` made unable to start a
 * mention (GitHub links mentions in rendered text, whatever escaping produced it).
 */
function mdText(value) {
    return (value
        .replace(LINE_BREAKS, ' ')
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/[\\`*_[\]|~]/g, c => `\\${c}`)
        // GitHub links `@login` after any non-word character; an email's `@` follows a word character.
        .replace(/(^|[^A-Za-z0-9_])@/g, '$1@\u2060'));
}
/** Inline code (outside tables): a fence longer than any backtick run inside, so the value cannot close it. */
function mdCode(value) {
    const v = value.replace(LINE_BREAKS, ' ');
    const longest = Math.max(0, ...[...v.matchAll(/`+/g)].map(m => m[0].length));
    const fence = '`'.repeat(longest + 1);
    // A value that starts or ends with a backtick needs a space inside the fence (CommonMark strips one).
    const pad = v.startsWith('`') || v.endsWith('`') ? ' ' : '';
    return `${fence}${pad}${v}${pad}${fence}`;
}
/** A fenced block (commands, diffs): its fence is longer than any backtick run in the lines. */
function mdBlock(lang, lines) {
    const longest = Math.max(2, ...lines.flatMap(l => [...l.matchAll(/`+/g)].map(m => m[0].length)));
    const fence = '`'.repeat(longest + 1);
    return [`${fence}${lang}`, ...lines, fence].join('\n');
}

;// CONCATENATED MODULE: ./src/render/markdown.ts
/**
 * The report as markdown: the job summary and the PR comment say the same thing. Read in five
 * seconds: the verdict and the cause that matters most first, failures before passes, every
 * command once in a block, changes as a diff. Everything that came from Google goes through
 * ./escape.
 */





const ICON = { ok: '✅', warning: '⚠️', error: '❌' };
const VERDICT = { ok: '✅ ok', fixed: '🔧 fixed', drift: '⚠️ drift', failed: '❌ failed' };
/** What the action did or would do about a finding, in a few words. */
function action(c, o, j) {
    if (c.blocker)
        return 'by hand (see the commands)';
    if (!c.fixedBy)
        return c.severity === 'warning' ? 'a warning: the run does not fail on it' : 'by hand';
    if (o.mode === 'fix' && j.writeFailed.includes(c.fixedBy))
        return `not fixed (the ${c.fixedBy} write failed)`;
    if (o.mode === 'fix')
        return o.applied && j.changes.some(ch => ch.kind === c.fixedBy) ? 'fixed' : o.applied ? 'already in place' : 'not fixed (nothing written)';
    return '`mode: fix` repairs it';
}
/** The finding that explains the verdict best: a blocker, then a failed attempt, then drift. */
function mainCause(o) {
    if (o.error)
        return mdText(o.error);
    const bad = o.jobs.filter(j => j.result === 'failed' || j.result === 'drift');
    for (const pick of [
        (j) => j.plan.checks.find(c => c.severity === 'error' && c.blocker),
        (j) => (j.attempt && !j.attempt.passed ? j : undefined),
        (j) => j.plan.checks.find(c => c.severity === 'error' && c.fixedBy && !wasRepaired(o, j, c))
    ])
        for (const j of bad) {
            const hit = pick(j);
            if (!hit)
                continue;
            const id = mdCode(lastSegment(j.plan.job));
            const fixable = j.plan.checks.some(c => c.severity === 'error' && c.fixedBy && !c.blocker && !wasRepaired(o, j, c));
            const hasCommands = j.plan.checks.some(c => c.command && c.severity !== 'ok' && !wasRepaired(o, j, c));
            const fix = o.mode === 'verify' && fixable ? 'run with `mode: fix`, or paste the commands below' : hasCommands ? 'paste the commands below' : 'see below';
            if ('plan' in hit) {
                const a = hit.attempt;
                const status = a.error ? 'was not tested' : `got ${shownStatus(a) ? `HTTP ${shownStatus(a)}` : 'no status'}`;
                const x = a.execution;
                const ended = x && !x.succeeded
                    ? `, ${!x.name ? 'its execution could not be followed' : x.running ? 'its execution still ran at the timeout' : `its execution ended ${mdText(x.state)}`}`
                    : '';
                // The finding the explanation quotes, by its title; else the explanation's first clause.
                const check = explainingCheck(hit);
                const cause = check ? check.title : x ? undefined : hit.explanation?.split(/; |: /)[0];
                return `${id} ${status}${ended}${cause ? ` — ${mdText(cause)}` : ''}; ${fix}`;
            }
            return `${id}: ${hit.title} — ${mdText(hit.found)}; ${hit.blocker ? (hasCommands ? 'fix it by hand (command below)' : 'fix it by hand (see below)') : fix}`;
        }
    return undefined;
}
function markdown_verdict(o) {
    const tested = o.jobs.some(j => j.attempt);
    const n = o.changes.length;
    if (o.result === 'ok')
        return `## ${VERDICT.ok}: every job is set up right${tested ? ' and its test attempt passed' : ''}`;
    if (o.result === 'fixed')
        return `## ${VERDICT.fixed}: ${n} change(s) repaired the drift${tested ? '; every test attempt passed' : ''}`;
    return `## ${VERDICT[o.result]}: ${mainCause(o) ?? 'see the jobs below'}`;
}
/** The test attempt in one line of markdown. */
function testLine(j, expected) {
    const t = mdText;
    const c = mdCode;
    const a = j.attempt;
    if (!a)
        return 'Test run: not run.';
    if (a.error)
        return `Test run: ❌ ${t(a.error)}.`;
    const shown = shownStatus(a);
    const status = shown ? `HTTP ${shown}` : `status unknown (job status ${a.rpcCode ? rpcName(a.rpcCode) : 'none'})`;
    const how = a.inferred ? ' (inferred from the job status: the execution log entry was not available)' : ' (from the execution log)';
    // An execution is followed only after the attempt itself passed: its line carries its own mark.
    const attemptOk = a.passed || !!a.execution;
    const parts = [`Test run: ${attemptOk ? '✅' : '❌'} ${status}${how}, expected ${expected}`];
    if (a.latencyMs !== undefined)
        parts.push(`attempt seen ${(a.latencyMs / 1000).toFixed(1)} s after jobs.run`);
    if (a.runs > 1)
        parts.push(`${a.runs} runs`);
    if (a.propagationMs !== undefined)
        parts.push(`IAM propagation took ${(a.propagationMs / 1000).toFixed(1)} s`);
    let line = parts.join('; ') + '.';
    const x = a.execution;
    if (x) {
        const took = x.durationMs !== undefined ? ` after ${(x.durationMs / 1000).toFixed(1)} s` : '';
        line += ` Execution ${c(x.name || 'none found')}: ${x.succeeded ? '✅' : '❌'} ${x.running ? 'still running at the timeout' : `${x.state}${took}`}${x.error ? ` (${t(x.error)})` : ''}.`;
    }
    if (a.debugInfo)
        line += ` Scheduler says: ${c(a.debugInfo)}.`;
    // A cause that is a finding of the table above is named, not repeated.
    const shownCause = explainingCheck(j);
    if (shownCause)
        line += ` Cause: ${shownCause.title} (above).`;
    else if (j.explanation)
        line += ` Cause: ${t(j.explanation)}.`;
    return line;
}
/** One change as diff lines: what was there, what is (or would be) there. */
function diffLines(c) {
    const one = (v) => (v ? v.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ') : '(none)');
    const head = `  ${lastSegment(c.resource)}  ${c.kind}  ${c.resource}`;
    if (c.kind === 'iam.invoker' || c.kind === 'iam.service_agent')
        return [head, `+ ${c.after.role}: ${one(c.after.member)}`];
    const before = c.before ? { ...c.before } : {};
    const after = { ...c.after };
    return [head, ...Object.keys(after).flatMap(k => (one(before[k]) === one(after[k]) ? [] : [`- ${k}: ${one(before[k])}`, `+ ${k}: ${one(after[k])}`]))];
}
function renderMarkdown(o) {
    const out = [markdown_verdict(o), '', `Cloud Scheduler auth check, \`mode: ${o.mode}\`, ${o.jobs.length} job(s).`];
    const commands = [];
    for (const j of o.jobs) {
        const target = j.plan.target ? mdCode(j.plan.target) : 'no target';
        out.push('', `### ${mdCode(lastSegment(j.plan.job))} → ${target} · ${VERDICT[j.result]}`, '');
        const shown = j.plan.checks.filter(c => c.severity !== 'ok');
        const passing = j.plan.checks.filter(c => c.severity === 'ok');
        if (shown.length) {
            out.push('| | Check | Found | Expected | Action |', '|---|---|---|---|---|');
            // A repaired finding is marked as repaired, so a fixed run's table does not read as a failure.
            for (const c of shown)
                out.push(`| ${wasRepaired(o, j, c) ? '🔧' : ICON[c.severity]} | ${c.title} | ${mdText(c.found)} | ${mdText(c.expected)} | ${action(c, o, j)}${remedyProse(c) && !wasRepaired(o, j, c) ? `: ${mdText(remedyProse(c))}` : ''} |`);
            out.push('');
        }
        // Passes fold into one line; what they found stays one click away (an inherited grant, an internal ingress that is fine).
        if (passing.length)
            out.push(`<details><summary>✅ ${shown.length ? `${passing.length} more` : `All ${passing.length}`} checks pass: ${passing.map(c => c.title).join(', ')}.</summary>`, '', '| Check | Found |', '|---|---|', ...passing.map(c => `| ${c.title} | ${mdText(c.found)} |`), '', '</details>', '');
        out.push(testLine(j, o.expectedStatus));
        // What the action repaired needs no hand fix; what it cannot repair does.
        for (const c of shown)
            if (c.command && !wasRepaired(o, j, c) && !commands.includes(c.command))
                commands.push(`# ${lastSegment(j.plan.job)}: ${c.title}`, c.command);
    }
    if (commands.length)
        out.push('', o.mode === 'verify' ? '### To fix by hand (or run with `mode: fix`)' : '### To fix by hand', '', mdBlock('sh', commands));
    if (o.changes.length)
        out.push('', o.mode === 'fix' ? '### Changes made' : '### Changes `mode: fix` would make', '', mdBlock('diff', o.changes.flatMap(diffLines)));
    // What the caller could not read stays out of the way, one click down: it matters only when a finding is missing.
    if (o.notes.length)
        out.push('', `<details><summary>ℹ️ Not seen by this run (${o.notes.length})</summary>`, '', ...o.notes.map(n => `- ${mdText(n)}`), '', '</details>');
    return out.join('\n') + '\n';
}

;// CONCATENATED MODULE: ./src/render/outputs.ts
/**
 * The run's outputs (the contract's `result`, `changes`, `http_status`, `jobs`) as strings: the
 * action sets them as step outputs, the command line prints them parsed (`--format json`). No
 * GitHub import here, so the command line's bundle needs none.
 */

function outputs(o) {
    const first = o.jobs[0]?.attempt;
    return {
        result: o.result,
        changes: JSON.stringify(o.changes),
        http_status: first ? (shownStatus(first) ?? '') : '',
        jobs: JSON.stringify(o.jobs.map(j => ({
            job: j.plan.job,
            target: j.plan.target ?? null,
            audience: j.plan.audience ?? null,
            invoker_service_account: j.plan.invoker ?? null,
            findings: j.plan.checks
                .filter(c => c.severity !== 'ok')
                .map(c => ({
                check: c.id,
                severity: c.severity,
                found: c.found,
                expected: c.expected,
                remedy: c.remedy ?? null,
                fixable: !!c.fixedBy && !c.blocker
            })),
            // A number when exact; `2xx` (shownStatus) when only success is known.
            http_status: j.attempt ? (j.attempt.httpStatus ?? shownStatus(j.attempt) ?? null) : null,
            // Only when awaited (await_execution), so v1 consumers see no new key otherwise.
            ...(j.attempt?.execution ? { execution: { name: j.attempt.execution.name, state: j.attempt.execution.state } } : {}),
            result: j.result
        })))
    };
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
;// CONCATENATED MODULE: ./src/settings.ts
/**
 * The run's settings, read and validated in one place from the contract's inputs (snake_case
 * names). Every check here runs before any network call, so bad input fails fast with one line
 * that names the input. Front ends add their own (the action: its PR comment).
 */



class InputError extends Error {
}
// The echoed value is folded onto one line: list inputs may hold newlines.
const bad = (input, value, expected) => new InputError(`Invalid '${input}' "${value.trim().replace(/\s*\n\s*/g, ', ')}": ${expected}`);
function parseBoolean(input, value, fallback) {
    const v = value.trim().toLowerCase();
    if (v === '')
        return fallback;
    if (['true', 'yes', '1', 'on'].includes(v))
        return true;
    if (['false', 'no', '0', 'off'].includes(v))
        return false;
    throw bad(input, value, 'expected true or false.');
}
function parseIntInRange(input, value, fallback, min, max) {
    const v = value.trim();
    if (v === '')
        return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
        throw bad(input, value, `expected a whole number from ${min} to ${max}.`);
    return Number(v);
}
function parseMode(value) {
    const v = value.trim().toLowerCase() || 'verify';
    if (v !== 'verify' && v !== 'fix')
        throw bad('mode', value, 'expected verify or fix.');
    return v;
}
/**
 * `test_run`: `auto` (the default) test-runs the jobs a run names (ids, or those calling a named
 * target) but not a `job: '*'` audit, which would fire every job of a location on every push.
 */
function parseTestRun(value, jobs) {
    if (value.trim().toLowerCase() === 'auto' || value.trim() === '')
        return jobs.kind !== 'all';
    try {
        return parseBoolean('test_run', value, true);
    }
    catch {
        throw bad('test_run', value, 'expected auto, true or false.');
    }
}
/** Splits a list input on newlines and commas, dropping blanks. */
const splitList = (value) => value
    .split(/[\n,]/)
    .map(s => s.trim())
    .filter(Boolean);
function nameInput(input, value, parse) {
    try {
        return parse(value);
    }
    catch (e) {
        if (e instanceof NameError)
            throw new InputError(`Invalid '${input}' ${e.message.slice(e.message.indexOf(' ') + 1)}`);
        throw e;
    }
}
/**
 * Reads and validates every input. `env` supplies the project fallbacks a runner may have
 * (`GOOGLE_CLOUD_PROJECT`, …, set by google-github-actions/auth and setup-gcloud). A front end
 * that names inputs its own way (the command line: `--invoker-service-account`) passes `label`:
 * every input an error quotes ('invoker_service_account') is renamed by it, unless it returns
 * undefined.
 */
function readSettings(getInput, env = process.env, label) {
    try {
        return read(getInput, env);
    }
    catch (e) {
        if (label && e instanceof InputError)
            throw new InputError(e.message.replace(/'([a-z][a-z_]*)'/g, (quoted, input) => label(input) ?? quoted));
        throw e;
    }
}
function read(getInput, env) {
    const get = (n) => getInput(n).trim();
    const mode = parseMode(get('mode'));
    const named = LOCATORS.map(l => ({ l, value: get(l.input) })).filter(x => x.value);
    if (named.length > 1) {
        const list = named.map(x => `'${x.l.input}'`).join(' and ');
        throw new InputError(`Invalid ${list}: ${named.length > 2 ? 'all' : 'both'} are set (${named.map(x => `"${x.value}"`).join(', ')}); give one target.`);
    }
    const targetRef = named[0] && nameInput(named[0].l.input, named[0].value, v => named[0].l.parseInput(v));
    const target = targetRef && { input: named[0].l.input, id: targetRef.id };
    const targetInputs = LOCATORS.map(l => `'${l.input}'`).join('/');
    const jobValues = splitList(getInput('job'));
    let jobs;
    let jobRefs = [];
    if (jobValues.length === 1 && jobValues[0] === '*') {
        // Each job is judged against the target its own URI names; one named target would make every other job "wrong".
        if (target)
            throw bad('job', '*', `audits every job against the target its own URI calls, so it does not combine with '${target.input}'; leave 'job' empty to check every job that calls that ${target.input}.`);
        jobs = { kind: 'all' };
    }
    else if (jobValues.includes('*'))
        throw bad('job', getInput('job'), "'*' stands alone: every HTTP job in the location.");
    else if (jobValues.length > 0) {
        jobRefs = jobValues.map(v => nameInput('job', v, parseJobRef));
        // A job named twice (id and full name) is still one job: one patch, one run, one report.
        jobs = { kind: 'named', ids: [...new Set(jobRefs.map(r => r.id))] };
    }
    else if (target)
        jobs = { kind: 'targeting' };
    else
        throw new InputError(`Invalid 'job' "": nothing to act on; set 'job' (an id, a full name or '*'), or ${targetInputs} to check every job that calls it.`);
    // Project: the input, then full names, then the environment a runner's auth step leaves, then the credentials' account.
    const namedProjects = new Set([...jobRefs.map(r => r.project), targetRef?.project].filter((p) => !!p));
    const projectInput = get('project_id');
    if (projectInput && !isProjectId(projectInput))
        throw bad('project_id', projectInput, 'expected a project id such as my-project-123.');
    if (namedProjects.size > 1)
        throw bad('job', getInput('job'), `names several projects (${[...namedProjects].join(', ')}); one run acts on one project.`);
    const [namedProject] = namedProjects;
    if (projectInput && namedProject && projectInput !== namedProject) {
        throw bad('project_id', projectInput, `the full names given are in project ${namedProject}.`);
    }
    const serviceAccount = get('service_account') || undefined;
    const provider = get('workload_identity_provider') || undefined;
    if (provider)
        nameInput('workload_identity_provider', provider, parseWifProvider);
    if (provider && !serviceAccount)
        throw new InputError("Invalid 'service_account' \"\": required with 'workload_identity_provider' (the account to impersonate).");
    if (serviceAccount && !isServiceAccountEmail(serviceAccount))
        throw bad('service_account', serviceAccount, 'expected a service account email (NAME@PROJECT.iam.gserviceaccount.com).');
    const envProject = [env.GOOGLE_CLOUD_PROJECT, env.CLOUDSDK_CORE_PROJECT, env.GCLOUD_PROJECT].find(p => p && p.trim());
    const project = projectInput || namedProject || envProject?.trim() || projectOfServiceAccount(serviceAccount ?? '') || credentialsProject(env);
    if (!project) {
        throw new InputError("Invalid 'project_id' \"\": no project known; set 'project_id', use full resource names, or run google-github-actions/auth first.");
    }
    if (!isProjectId(project))
        throw bad('project_id', project, 'expected a project id such as my-project-123.');
    // Region and location default to each other; full names give them.
    const regionInput = get('region');
    const locationInput = get('location');
    for (const [n, v] of [
        ['region', regionInput],
        ['location', locationInput]
    ]) {
        if (v && !isRegion(v))
            throw bad(n, v, 'expected a region such as us-central1.');
    }
    const namedLocations = new Set(jobRefs.map(r => r.location).filter((l) => !!l));
    if (namedLocations.size > 1)
        throw bad('job', getInput('job'), `names several locations (${[...namedLocations].join(', ')}); one run acts on one location.`);
    const [namedLocation] = namedLocations;
    if (locationInput && namedLocation && locationInput !== namedLocation) {
        throw bad('location', locationInput, `the job full name is in ${namedLocation}.`);
    }
    const region = regionInput || targetRef?.region || locationInput || namedLocation || '';
    const location = locationInput || namedLocation || region;
    if (!region && !location) {
        throw new InputError("Invalid 'region' \"\": no region known; set 'region' (or 'location'), or use full resource names.");
    }
    if (targetRef?.region && regionInput && targetRef.region !== regionInput) {
        throw bad('region', regionInput, `the ${target.input} full name is in ${targetRef.region}.`);
    }
    const invoker = get('invoker_service_account') || undefined;
    // An IAM member string is the usual slip here: say so rather than reject it as a bad email.
    if (invoker?.includes(':'))
        throw bad('invoker_service_account', invoker, `expected the account's email alone (${invoker.slice(invoker.lastIndexOf(':') + 1)}), without a member prefix.`);
    if (invoker && !isServiceAccountEmail(invoker))
        throw bad('invoker_service_account', invoker, 'expected a service account email (NAME@PROJECT.iam.gserviceaccount.com).');
    const audience = get('audience') || undefined;
    if (audience)
        nameInput('audience', audience, v => parseHttpsUrl(v, 'audience'));
    const universe = get('universe') || 'googleapis.com';
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(universe)) {
        throw bad('universe', universe, 'expected a domain such as googleapis.com.');
    }
    return {
        mode,
        jobs,
        target,
        project,
        region: region || location,
        location: location || region,
        invokerServiceAccount: invoker,
        audience,
        checkServiceAgent: parseBoolean('check_service_agent', getInput('check_service_agent'), true),
        testRun: parseTestRun(getInput('test_run'), jobs),
        awaitExecution: parseBoolean('await_execution', getInput('await_execution'), false),
        expectedStatus: parseIntInRange('expected_status', getInput('expected_status'), 200, 100, 599),
        timeoutSeconds: parseIntInRange('timeout', getInput('timeout'), 180, 1, 3600),
        workloadIdentityProvider: provider,
        serviceAccount,
        universe
    };
}
/**
 * The project of the account the ADC file impersonates (what google-github-actions/auth
 * writes), read from the file without a network call.
 */
function credentialsProject(env) {
    const file = env.GOOGLE_APPLICATION_CREDENTIALS;
    if (!file)
        return undefined;
    try {
        const json = JSON.parse((0,external_node_fs_.readFileSync)(file, 'utf8'));
        if (typeof json.project_id === 'string')
            return json.project_id;
        const url = typeof json.service_account_impersonation_url === 'string' ? json.service_account_impersonation_url : '';
        const email = /serviceAccounts\/([^:/]+):generateAccessToken/.exec(url)?.[1];
        return email ? projectOfServiceAccount(decodeURIComponent(email)) : undefined;
    }
    catch {
        return undefined;
    }
}

// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __nccwpck_require__(7975);
;// CONCATENATED MODULE: ./src/cli/args.ts
/**
 * The command line's arguments: `util.parseArgs` (strict) over one table of options, the
 * contract's inputs in kebab case. Values are handed to readSettings under the inputs' own
 * snake_case names, so every value is validated in one place; errors then name the option.
 */


/** A usage error: one line on stderr, exit 2, no network call. */
class UsageError extends Error {
}
const PROGRAM = 'scheduler-oidc-doctor';
/** Every option, in --help's order. */
const OPTIONS = {
    job: {
        type: 'string',
        input: 'job',
        multiple: true,
        value: 'ID',
        default: 'none',
        help: "job id or full name (projects/P/locations/L/jobs/J); repeat it or separate with commas; '*' = every HTTP job in the location"
    },
    function: { type: 'string', input: 'function', value: 'ID', default: 'none', help: 'Cloud Functions function id or full name' },
    service: { type: 'string', input: 'service', value: 'ID', default: 'none', help: 'Cloud Run service id or full name' },
    'cloud-run-job': { type: 'string', input: 'cloud_run_job', value: 'ID', default: 'none', help: 'Cloud Run job id or full name' },
    workflow: { type: 'string', input: 'workflow', value: 'ID', default: 'none', help: 'Workflows workflow id or full name' },
    project: {
        type: 'string',
        input: 'project_id',
        value: 'ID',
        default: 'full names, $GOOGLE_CLOUD_PROJECT, $CLOUDSDK_CORE_PROJECT, $GCLOUD_PROJECT, then gcloud config get-value project',
        help: 'project of the jobs and the target'
    },
    region: { type: 'string', input: 'region', value: 'REGION', default: 'from full names, else --location', help: 'region of the target' },
    location: { type: 'string', input: 'location', value: 'REGION', default: '--region', help: 'Cloud Scheduler location of the jobs' },
    'invoker-service-account': {
        type: 'string',
        input: 'invoker_service_account',
        value: 'EMAIL',
        default: "the job's current token account",
        help: 'account the job signs its token as'
    },
    audience: { type: 'string', input: 'audience', value: 'URL', default: "the target's URL", help: 'OIDC audience' },
    'no-check-service-agent': {
        type: 'boolean',
        input: 'check_service_agent',
        default: 'checked',
        help: "skip the Cloud Scheduler service agent's role (checked, and granted by fix, otherwise)"
    },
    'test-run': {
        type: 'string',
        input: 'test_run',
        value: 'auto|true|false',
        default: 'auto',
        help: "trigger each job and wait for its attempt; auto: the jobs named or calling the target, not a --job '*' audit"
    },
    'expected-status': { type: 'string', input: 'expected_status', value: 'CODE', default: '200', help: 'HTTP status the test attempt must return' },
    timeout: { type: 'string', input: 'timeout', value: 'SECONDS', default: '180', help: 'how long to wait for test attempts (and executions)' },
    'await-execution': {
        type: 'boolean',
        input: 'await_execution',
        default: 'off',
        help: 'Cloud Run jobs and workflows: follow the execution the test attempt started to its end'
    },
    universe: { type: 'string', input: 'universe', value: 'DOMAIN', default: 'googleapis.com', help: 'Google Cloud universe domain' },
    format: {
        type: 'string',
        value: 'text|json|markdown',
        default: 'text',
        help: 'text for people; json ({result, changes, http_status, jobs}) for scripts; markdown'
    },
    yes: { type: 'boolean', short: 'y', default: 'ask', help: 'fix: apply without asking (needed without a terminal)' },
    help: { type: 'boolean', short: 'h', default: '', help: 'show this help' },
    version: { type: 'boolean', default: '', help: 'show the version' }
};
/** How the command line names an input in messages: `'invoker_service_account'` → `--invoker-service-account`. */
function optionLabel(input) {
    const name = Object.keys(OPTIONS).find(k => OPTIONS[k].input === input);
    return name && `--${name}`;
}
const oneLine = (m) => m.split('\n')[0].replace(/\. To specify a positional argument.*$/, '.');
/** Parses argv (without node and the script); throws UsageError. */
function parseCommandLine(argv) {
    let parsed;
    try {
        parsed = (0,external_node_util_.parseArgs)({
            args: argv,
            options: Object.fromEntries(Object.entries(OPTIONS).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }])),
            strict: true,
            allowPositionals: true
        });
    }
    catch (e) {
        const code = e.code;
        // parseArgs's errors are TypeErrors with a code (read without instanceof: jest runs code in another realm).
        const msg = e.message ?? String(e);
        if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
            throw new UsageError(`${oneLine(msg)} See ${PROGRAM} --help.`);
        throw new UsageError(oneLine(msg));
    }
    const v = parsed.values;
    if (v.help)
        return { kind: 'help' };
    if (v.version)
        return { kind: 'version' };
    const [command, ...extra] = parsed.positionals;
    if (!command)
        throw new UsageError(`No command: ${PROGRAM} verify|fix [options]; see ${PROGRAM} --help.`);
    if (command !== 'verify' && command !== 'fix')
        throw new UsageError(`Unknown command '${command}': expected verify or fix.`);
    if (extra.length)
        throw new UsageError(`Unexpected argument '${extra[0]}': options start with --, and several jobs are given as --job a --job b or --job a,b.`);
    const format = v.format ?? 'text';
    if (format !== 'text' && format !== 'json' && format !== 'markdown')
        throw new UsageError(`Invalid --format "${format}": expected text, json or markdown.`);
    const jobs = (v.job ?? []).flatMap(splitList);
    const testRun = (v['test-run'] ?? 'auto').trim().toLowerCase();
    if (!['auto', 'true', 'false'].includes(testRun))
        throw new UsageError(`Invalid --test-run "${v['test-run']}": expected auto, true or false.`);
    const inputs = { mode: command, job: jobs.join('\n') };
    for (const [name, o] of Object.entries(OPTIONS)) {
        if (!o.input || o.input === 'job' || v[name] === undefined)
            continue;
        inputs[o.input] = o.type === 'boolean' ? (name.startsWith('no-') ? 'false' : 'true') : v[name];
    }
    // --test-run auto (the contract's test_run: auto) is decided here: the jobs a run names, or
    // those calling a named target, are test-run; a --job '*' audit is not.
    inputs.test_run = testRun === 'auto' ? String(!(jobs.length === 1 && jobs[0] === '*')) : testRun;
    return {
        kind: 'run',
        mode: command,
        format,
        yes: !!v.yes,
        getInput: n => inputs[n] ?? '',
        names: [...jobs, ...['function', 'service', 'cloud_run_job', 'workflow'].map(n => inputs[n] ?? '')].filter(Boolean),
        project: inputs.project_id
    };
}
/** Wraps words to lines of at most `width` characters. */
function wrap(text, width) {
    const lines = [];
    let line = '';
    for (const word of text.split(' ')) {
        if (line && line.length + 1 + word.length > width) {
            lines.push(line);
            line = word;
        }
        else
            line = line ? `${line} ${word}` : word;
    }
    return line ? [...lines, line] : lines;
}
/** --help: every option with its default, and one example per use. */
function helpText(version) {
    const options = Object.entries(OPTIONS)
        .map(([name, o]) => {
        const flag = `  ${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`;
        const text = o.help + (o.default ? `. Default: ${o.default}.` : '.');
        return [flag, ...wrap(text, 88).map(l => `        ${l}`)].join('\n');
    })
        .join('\n');
    return `${PROGRAM} ${version}: verify, repair and test-run the authentication of Cloud Scheduler jobs
that call Cloud Functions, Cloud Run services and jobs, and Workflows.

Usage: ${PROGRAM} verify|fix [options]

  verify  report what is wrong; change nothing (a test run still triggers the jobs)
  fix     repair the job's token and the IAM roles, after showing the plan and asking

Options:
${options}

Credentials: Application Default Credentials ($GOOGLE_APPLICATION_CREDENTIALS, or gcloud's file
from "gcloud auth application-default login"), else $CLOUDSDK_AUTH_ACCESS_TOKEN_FILE, else
"gcloud auth print-access-token". $CLOUDSDK_API_ENDPOINT_OVERRIDES_<API> move an API's endpoint.

Examples:
  # verify one job against the function it calls
  ${PROGRAM} verify --job nightly-report --function nightly-report --region us-central1

  # fix every job that calls a Cloud Run service, signing as a given account
  ${PROGRAM} fix --service api --region europe-west1 --invoker-service-account invoker@my-proj.iam.gserviceaccount.com

  # a scheduled Cloud Run job: fix without asking, and follow the execution it starts
  ${PROGRAM} fix --yes --job export-orders --cloud-run-job export-orders --region us-central1 --await-execution

  # for scripts: audit every job of a location, no test run, JSON out
  ${PROGRAM} verify --job '*' --location us-central1 --format json | jq -r .result

Exit status: 0 ok or fixed, 1 drift or failed, 2 usage (bad option, no credentials, fix refused).
`;
}

;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = require("node:child_process");
;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = require("node:os");
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
;// CONCATENATED MODULE: ./src/cli/credentials.ts
/**
 * A terminal's credentials and project, as a person has them: Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS, or gcloud's application-default file), else the token file
 * gcloud itself honours (CLOUDSDK_AUTH_ACCESS_TOKEN_FILE), else gcloud's own token. The project
 * falls back to gcloud's configuration. Nothing here prints: the front end says what it found.
 */




const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];
/** The one command that gives a terminal credentials. */
const LOGIN = 'gcloud auth application-default login';
/** No credentials that work: one line saying which command to run; exit 2. */
class CredentialsError extends Error {
}
const credentials_exec = (file, args, env) => new Promise((resolve, reject) => (0,external_node_child_process_namespaceObject.execFile)(file, args, { env, timeout: 60_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
    if (err)
        reject(new Error(String(stderr).trim().split('\n').pop() || err.message));
    else
        resolve(String(stdout).trim());
}));
/** gcloud's configuration directory. */
const gcloudConfigDir = (env) => env.CLOUDSDK_CONFIG || (0,external_node_path_.join)(env.HOME || (0,external_node_os_namespaceObject.homedir)(), '.config', 'gcloud');
/** The gcloud executable on PATH, if installed (no subprocess: gcloud takes a second to start). */
function findGcloud(env) {
    for (const dir of (env.PATH ?? '').split(external_node_path_.delimiter).filter(Boolean)) {
        const file = (0,external_node_path_.join)(dir, 'gcloud');
        try {
            (0,external_node_fs_.accessSync)(file, external_node_fs_.constants.X_OK);
            return file;
        }
        catch {
            // not here
        }
    }
    return undefined;
}
/**
 * The ADC file google-auth-library reads: GOOGLE_APPLICATION_CREDENTIALS, else the one
 * `gcloud auth application-default login` writes in gcloud's configuration directory. Only
 * when there is one is the library asked: without, it would probe for a GCE metadata server.
 */
function adcFile(env) {
    if (env.GOOGLE_APPLICATION_CREDENTIALS)
        return env.GOOGLE_APPLICATION_CREDENTIALS;
    const file = (0,external_node_path_.join)(gcloudConfigDir(env), 'application_default_credentials.json');
    return (0,external_node_fs_.existsSync)(file) ? file : undefined;
}
/**
 * Finds the credentials and gets a first token, so a missing or refused login is a usage error
 * (exit 2, the command to run) before the engine starts; the token is needed first anyway.
 */
async function findCredentials(env, project, run = credentials_exec) {
    const creds = pick(env, project, run);
    try {
        await creds.token();
    }
    catch (e) {
        throw new CredentialsError(`${creds.describe}: no access token (${e instanceof Error ? e.message.split('\n')[0] : String(e)}). Run: ${LOGIN}`);
    }
    return creds;
}
function pick(env, project, run) {
    const file = adcFile(env);
    if (file) {
        if (!(0,external_node_fs_.existsSync)(file))
            throw new CredentialsError(`GOOGLE_APPLICATION_CREDENTIALS names ${file}, which does not exist. Unset it and run: ${LOGIN}`);
        // Loaded only here: the library is most of the bundle, and other sources skip it. It finds
        // the same file itself (so it treats it as ADC); the project given spares it a lookup.
        const client = __nccwpck_require__.e(/* import() */ 492).then(__nccwpck_require__.t.bind(__nccwpck_require__, 492, 23)).then(({ GoogleAuth }) => new GoogleAuth({ scopes: SCOPES, projectId: project }).getClient());
        return {
            describe: `application default credentials (${file})`,
            token: async () => {
                const { token } = await (await client).getAccessToken();
                if (!token)
                    throw new Error('the library returned none');
                return token;
            }
        };
    }
    const tokenFile = env.CLOUDSDK_AUTH_ACCESS_TOKEN_FILE;
    if (tokenFile) {
        return {
            describe: `the access token in CLOUDSDK_AUTH_ACCESS_TOKEN_FILE (${tokenFile})`,
            token: async () => {
                const token = (0,external_node_fs_.readFileSync)(tokenFile, 'utf8').trim();
                if (!token)
                    throw new Error('the file is empty');
                return token;
            }
        };
    }
    const gcloud = findGcloud(env);
    if (gcloud) {
        // gcloud's tokens live an hour; take a new one well before that.
        let cached;
        return {
            describe: 'gcloud auth print-access-token',
            token: () => {
                if (!cached || Date.now() - cached.at > 45 * 60_000)
                    cached = { token: run(gcloud, ['auth', 'print-access-token', '--quiet'], env), at: Date.now() };
                const c = cached;
                return c.token.catch((e) => {
                    if (cached === c)
                        cached = undefined;
                    throw e;
                });
            }
        };
    }
    throw new CredentialsError(`No Google credentials found. Run: ${LOGIN}`);
}
/**
 * gcloud's project (`gcloud config get-value project`): read from its active configuration's
 * file, as gcloud does, without starting gcloud; gcloud itself only when it has no such file.
 */
async function gcloudProject(env, run = credentials_exec) {
    const dir = gcloudConfigDir(env);
    let name = env.CLOUDSDK_ACTIVE_CONFIG_NAME?.trim();
    try {
        name ||= (0,external_node_fs_.readFileSync)((0,external_node_path_.join)(dir, 'active_config'), 'utf8').trim();
    }
    catch {
        // gcloud's default
    }
    let text;
    try {
        text = (0,external_node_fs_.readFileSync)((0,external_node_path_.join)(dir, 'configurations', `config_${name || 'default'}`), 'utf8');
    }
    catch {
        text = undefined;
    }
    if (text !== undefined)
        return iniValue(text, 'core', 'project');
    const gcloud = findGcloud(env);
    if (!gcloud)
        return undefined;
    const out = await run(gcloud, ['config', 'get-value', 'project', '--quiet'], env).catch(() => '');
    return out.split('\n').pop()?.trim() || undefined;
}
/** One value of an INI file (gcloud's configuration format). */
function iniValue(text, section, key) {
    let current = '';
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        const s = /^\[(.+)\]$/.exec(line);
        if (s)
            current = s[1].trim();
        else if (current === section) {
            const m = /^([^=:#;]+?)\s*[=:]\s*(.*)$/.exec(line);
            if (m && m[1] === key)
                return m[2].trim() || undefined;
        }
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/cli/progress.ts
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
class Progress {
    out;
    now;
    afterMs;
    waits = new Set();
    timer;
    frame = 0;
    shown = false;
    constructor(out, now = Date.now, afterMs = 1000) {
        this.out = out;
        this.now = now;
        this.afterMs = afterMs;
    }
    /** Starts a wait; the function returned ends it. */
    begin(what, phase = false) {
        const w = { what, since: this.now(), phase };
        this.waits.add(w);
        this.timer ??= setInterval(() => this.draw(), 200).unref();
        return () => {
            this.waits.delete(w);
            if (!this.waits.size)
                this.stop();
            else
                this.draw();
        };
    }
    /** The line for now, or undefined while every wait is younger than a second. */
    line() {
        const now = this.now();
        const long = [...this.waits].filter(w => now - w.since >= this.afterMs);
        const fine = long.filter(w => !w.phase);
        const pick = (fine.length ? fine : long).sort((a, b) => a.since - b.since);
        if (!pick.length)
            return undefined;
        const more = pick.length > 1 ? ` (+${pick.length - 1} more)` : '';
        return `${pick[0].what}${more}… ${Math.floor((now - pick[0].since) / 1000)} s`;
    }
    draw() {
        const line = this.line();
        if (!line)
            return;
        const text = `${SPINNER[this.frame++ % SPINNER.length]} ${line}`;
        const max = (this.out.columns ?? 80) - 1;
        this.out.write(`\r\x1b[2K${text.length > max ? text.slice(0, max - 1) + '…' : text}`);
        this.shown = true;
    }
    stop() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = undefined;
        if (this.shown)
            this.out.write('\r\x1b[2K');
        this.shown = false;
    }
}
/** The engine's logger in a terminal: phases and waits feed the progress line; the report says the rest. */
function cliLogger(progress) {
    return {
        info: () => { },
        debug: () => { },
        async group(name, fn) {
            const end = progress?.begin(name, true);
            try {
                return await fn();
            }
            finally {
                end?.();
            }
        },
        wait: progress && (what => progress.begin(what))
    };
}

;// CONCATENATED MODULE: external "node:readline"
const external_node_readline_namespaceObject = require("node:readline");
;// CONCATENATED MODULE: ./src/cli/prompt.ts
/** The question fix asks on a terminal before it writes: `Apply N change(s)? [y/N]`. */

/** Resolves true only for y or yes; no answer, end of input or Ctrl-C is no. */
function ask(question, input, output) {
    return new Promise(resolve => {
        const rl = (0,external_node_readline_namespaceObject.createInterface)({ input, output, terminal: true });
        let answered = false;
        const done = (yes) => {
            if (answered)
                return;
            answered = true;
            rl.close();
            resolve(yes);
        };
        rl.on('SIGINT', () => {
            output.write('\n');
            done(false);
        });
        rl.on('close', () => done(false));
        rl.question(question, a => done(/^(y|yes)$/i.test(a.trim())));
    });
}

;// CONCATENATED MODULE: ./src/cli/text.ts
/**
 * The report in a terminal, read top to bottom: the verdict and the cause that matters most,
 * each job's failing checks (passing ones folded into a line), its test run, the changes as a
 * diff, then the commands to paste. Text from Google is data: control characters (which could
 * drive the terminal) are replaced and line breaks folded.
 */





/** One terminal-safe line: no escape sequence or other control character from Google's text. */
const term = (s) => s.replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
/** Renames the inputs a message quotes (`'job'` → `--job`), as readSettings' label does. */
const relabelInputs = (s, label) => s.replace(/'([a-z][a-z_]*)'/g, (quoted, input) => label(input) ?? quoted);
function painter(color) {
    const sgr = (open, close) => s => color ? `\x1b[${open}m${s}\x1b[${close}m` : s;
    return { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
}
const MARK = { ok: '✓', fixed: '✓', drift: '!', failed: '✗', warning: '!', error: '✗' };
/** The finding that explains the verdict best: the run's error, a blocker, a failed attempt, then drift. */
function text_mainCause(o, relabel) {
    if (o.error)
        return relabel(term(o.error));
    const bad = o.jobs.filter(j => j.result === 'failed' || j.result === 'drift');
    const hint = (j) => o.mode === 'verify' && !j.plan.checks.some(c => c.blocker) ? `run ${PROGRAM} fix, or paste the commands below` : 'see below';
    for (const j of bad) {
        const c = j.plan.checks.find(x => x.severity === 'error' && x.blocker);
        if (c)
            return `${term(lastSegment(j.plan.job))}: ${c.title.toLowerCase()}: ${term(c.found)}; fix it by hand (command below)`;
    }
    for (const j of bad) {
        const a = j.attempt;
        if (!a || a.passed)
            continue;
        const status = a.error ? `was not tested (${term(a.error)})` : `got ${shownStatus(a) ? `HTTP ${shownStatus(a)}` : 'no status'}`;
        const x = a.execution && !a.execution.succeeded ? `, its execution ${a.execution.running ? 'still ran' : `ended ${term(a.execution.state)}`}` : '';
        const named = explainingCheck(j);
        const cause = named ? ` — ${named.title.toLowerCase()}; ${hint(j)}` : j.explanation ? `: ${relabel(term(j.explanation))}` : '';
        return `${term(lastSegment(j.plan.job))} ${status}${x}${cause}`;
    }
    for (const j of bad) {
        const c = j.plan.checks.find(x => x.severity === 'error' && x.fixedBy && !wasRepaired(o, j, x));
        if (c)
            return `${term(lastSegment(j.plan.job))}: ${c.title.toLowerCase()}: ${term(c.found)}; ${hint(j)}`;
    }
    return undefined;
}
function text_verdict(o, p, relabel) {
    const tested = o.jobs.some(j => j.attempt);
    const head = (color) => p.bold(color(`${MARK[o.result]} ${o.result}`));
    if (o.result === 'ok')
        return `${head(p.green)}: every job is set up right${tested ? ' and its test attempt passed' : ''}`;
    if (o.result === 'fixed')
        return `${head(p.green)}: ${o.changes.length} change(s) repaired the drift${tested ? '; every test attempt passed' : ''}`;
    return `${head(o.result === 'drift' ? p.yellow : p.red)}: ${text_mainCause(o, relabel) ?? 'see the jobs below'}`;
}
function text_testLine(j, expected, p) {
    const a = j.attempt;
    if (!a)
        return p.dim('test run: not run');
    if (a.error)
        return `test run: ${p.red('✗')} ${term(a.error)}`;
    const shown = shownStatus(a);
    const status = shown ? `HTTP ${shown}` : `status unknown (job status ${a.rpcCode ? rpcName(a.rpcCode) : 'none'})`;
    const ok = a.passed || !!a.execution;
    const parts = [
        `test run: ${ok ? p.green('✓') : p.red('✗')} ${status} ${a.inferred ? '(inferred from the job status)' : '(from the execution log)'}, expected ${expected}`
    ];
    if (a.latencyMs !== undefined)
        parts.push(`attempt seen ${(a.latencyMs / 1000).toFixed(1)} s after jobs.run`);
    if (a.runs > 1)
        parts.push(`${a.runs} runs`);
    if (a.propagationMs !== undefined)
        parts.push(`IAM propagation took ${(a.propagationMs / 1000).toFixed(1)} s`);
    const lines = [parts.join('; ')];
    const x = a.execution;
    if (x) {
        const took = x.durationMs !== undefined ? ` after ${(x.durationMs / 1000).toFixed(1)} s` : '';
        lines.push(`execution ${term(x.name || '(none found)')}: ${x.succeeded ? p.green('✓') : p.red('✗')} ${x.running ? 'still running at the timeout' : `${term(x.state)}${took}`}${x.error ? ` (${term(x.error)})` : ''}`);
    }
    if (a.debugInfo)
        lines.push(`Scheduler says: ${term(a.debugInfo)}`);
    const named = explainingCheck(j);
    if (named)
        lines.push(`cause: ${named.title} (above)`);
    else if (j.explanation)
        lines.push(`cause: ${term(j.explanation)}`);
    return lines.join('\n    ');
}
/** One change as a diff: `audience: (none) → https://…`, or the member a role gains. */
function changeLines(c, p = painter(false)) {
    const one = (v) => (v ? term(v) : '(none)');
    const head = `${p.bold(term(lastSegment(c.resource)))} ${p.dim(`${c.kind} ${term(c.resource)}`)}`;
    if (c.kind === 'iam.invoker' || c.kind === 'iam.service_agent')
        return [head, `  ${p.green('+')} ${term(c.after.role)}: ${one(c.after.member)}`];
    const before = c.before ? { ...c.before } : {};
    const after = { ...c.after };
    return [head, ...Object.keys(after).flatMap(k => (one(before[k]) === one(after[k]) ? [] : [`  ${k}: ${p.red(one(before[k]))} → ${p.green(one(after[k]))}`]))];
}
function renderText(o, opts) {
    const p = painter(opts.color);
    const relabel = (s) => (opts.label ? relabelInputs(s, opts.label) : s);
    const out = [text_verdict(o, p, relabel)];
    if (opts.declined)
        out.push(p.yellow('Nothing written: the changes were declined.'));
    out.push(p.dim(`${o.mode} · ${o.jobs.length} job(s)${opts.context ? ` · ${opts.context}` : ''}`));
    const commands = [];
    for (const j of o.jobs) {
        const color = j.result === 'failed' ? p.red : j.result === 'drift' ? p.yellow : p.green;
        out.push('', `${p.bold(term(lastSegment(j.plan.job)))} → ${j.plan.target ? term(j.plan.target) : 'no target'}  ${color(`${MARK[j.result]} ${j.result}`)}`);
        const shown = j.plan.checks.filter(c => c.severity !== 'ok');
        const passing = j.plan.checks.filter(c => c.severity === 'ok');
        for (const c of shown) {
            const repaired = wasRepaired(o, j, c);
            const mark = repaired ? p.green('✓') : c.severity === 'warning' ? p.yellow('!') : p.red('✗');
            const what = repaired
                ? 'fixed'
                : c.blocker
                    ? 'fix by hand'
                    : c.fixedBy && o.mode === 'verify'
                        ? `${PROGRAM} fix repairs it`
                        : c.fixedBy && j.writeFailed.includes(c.fixedBy)
                            ? `not fixed: the ${c.fixedBy} write failed`
                            : c.severity === 'warning'
                                ? 'warning'
                                : '';
            out.push(`  ${mark} ${c.title}: ${term(c.found)} ${p.dim(`(expected ${term(c.expected)})`)}${what ? ` — ${what}` : ''}`);
            const cmd = c.command;
            const prose = repaired ? '' : relabel(term(remedyProse(c)));
            if (prose)
                out.push(`      ${p.dim(prose)}`);
            if (cmd && !repaired && !commands.includes(term(cmd)))
                commands.push(p.dim(`# ${term(lastSegment(j.plan.job))}: ${c.title}`), term(cmd));
        }
        if (passing.length)
            out.push(`  ${p.green('✓')} ${shown.length ? `${passing.length} more` : `all ${passing.length}`} checks pass: ${passing.map(c => c.title).join(', ')}`);
        out.push(`  ${text_testLine(j, o.expectedStatus, p)}`);
    }
    if (o.changes.length) {
        out.push('', p.bold(o.mode === 'fix' ? 'Changes made:' : `Changes ${PROGRAM} fix would make:`));
        for (const c of o.changes)
            out.push(...changeLines(c, p).map(l => `  ${l}`));
    }
    if (commands.length)
        out.push('', p.bold(o.mode === 'verify' ? `To fix by hand (or run ${PROGRAM} fix):` : 'To fix by hand:'), ...commands.map(c => `  ${c}`));
    if (o.notes.length)
        out.push('', p.dim('Not seen by this run:'), ...o.notes.map(n => `  ${p.dim(term(n))}`));
    return out.join('\n') + '\n';
}

;// CONCATENATED MODULE: ./src/cli/main.ts
/**
 * The terminal front end: argv → settings → credentials → the engine → a report on stdout.
 * Exit status 0 for ok/fixed, 1 for drift/failed, 2 for usage (a bad option, no credentials,
 * fix refused without a terminal); every usage error is one line on stderr before any network
 * call. The engine is the action's: the two cannot disagree.
 */











const EXIT = { ok: 0, problem: 1, usage: 2 };
/** The outputs the action sets, parsed: what `--format json` prints. */
function jsonOutcome(o) {
    const out = outputs(o);
    const status = out.http_status;
    return {
        result: out.result,
        changes: JSON.parse(out.changes),
        http_status: status === '' ? null : /^\d+$/.test(status) ? Number(status) : status,
        jobs: JSON.parse(out.jobs)
    };
}
const PROJECT_VARIABLES = ['GOOGLE_CLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT', 'GCLOUD_PROJECT'];
async function cli(io) {
    const exec = io.exec ?? credentials_exec;
    const usage = (message) => {
        io.stderr.write(`${PROGRAM}: ${message}\n`);
        return EXIT.usage;
    };
    let parsed;
    try {
        parsed = parseCommandLine(io.argv);
    }
    catch (e) {
        if (e instanceof UsageError)
            return usage(e.message);
        throw e;
    }
    if (parsed.kind === 'help') {
        io.stdout.write(helpText(package_namespaceObject.rE));
        return EXIT.ok;
    }
    if (parsed.kind === 'version') {
        io.stdout.write(`${package_namespaceObject.rE}\n`);
        return EXIT.ok;
    }
    // Project: --project, full names, the variables the action reads, then gcloud's configuration.
    const env = { ...io.env };
    if (!parsed.project && !PROJECT_VARIABLES.some(k => env[k]?.trim()) && !parsed.names.some(n => n.startsWith('projects/'))) {
        const project = await gcloudProject(env, exec);
        if (project)
            env.CLOUDSDK_CORE_PROJECT = project;
    }
    let settings;
    try {
        settings = readSettings(parsed.getInput, env, optionLabel);
    }
    catch (e) {
        if (!(e instanceof InputError))
            throw e;
        if (/no project known/.test(e.message))
            return usage('No project known: pass --project, use full resource names, or run: gcloud config set project PROJECT_ID');
        return usage(e.message);
    }
    if (settings.mode === 'fix' && !parsed.yes && !io.stdin.isTTY)
        return usage('fix asks before it writes, and stdin is not a terminal: pass --yes to apply without asking. Nothing was written.');
    let creds;
    try {
        creds = await findCredentials(env, settings.project, exec);
    }
    catch (e) {
        if (e instanceof CredentialsError)
            return usage(e.message);
        throw e;
    }
    const noColor = !!env.NO_COLOR;
    const progress = io.stderr.isTTY && parsed.format !== 'json' ? new Progress(io.stderr) : undefined;
    let declined = false;
    const confirm = settings.mode === 'fix' && !parsed.yes
        ? async (plan) => {
            const paint = io.stderr.isTTY && !noColor;
            const lines = plan.changes.flatMap(c => changeLines(c, undefined).map(l => `  ${l}`));
            io.stderr.write(`${paint ? '\x1b[1m' : ''}Plan: ${plan.changes.length} change(s)${paint ? '\x1b[22m' : ''}\n${lines.join('\n')}\n`);
            const yes = await ask(`Apply ${plan.changes.length} change(s)? [y/N] `, io.stdin, io.stderr);
            declined = !yes;
            return yes;
        }
        : undefined;
    const outcome = await runEngine(settings, createClients(creds.token, settings.universe, undefined, env), cliLogger(progress), { confirm });
    progress?.stop();
    // The outputs carry no reason for a run that failed as a whole: say it on stderr for scripts.
    if (parsed.format === 'json' && outcome.error)
        io.stderr.write(`${PROGRAM}: ${relabelInputs(term(outcome.error), optionLabel)}\n`);
    if (parsed.format === 'json')
        io.stdout.write(JSON.stringify(jsonOutcome(outcome), null, 2) + '\n');
    else if (parsed.format === 'markdown')
        io.stdout.write(renderMarkdown(outcome));
    else
        io.stdout.write(renderText(outcome, {
            color: !!io.stdout.isTTY && !noColor,
            context: `project ${settings.project}, location ${settings.location} · ${creds.describe}`,
            declined,
            label: optionLabel
        }));
    return outcome.result === 'ok' || outcome.result === 'fixed' ? EXIT.ok : EXIT.problem;
}

;// CONCATENATED MODULE: ./src/cli.ts
/** The command line's entry (bundled to dist/cli/index.js, run through dist/cli.js): cli() and nothing else. */

void cli({ argv: process.argv.slice(2), env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
// Exit once stdout has drained: an idle keep-alive socket or stdin must not hold the process.
code => process.stdout.write('', () => process.exit(code)), (e) => {
    process.stderr.write(`scheduler-oidc-doctor: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
});

module.exports = __webpack_exports__;
/******/ })()
;