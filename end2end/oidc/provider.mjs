// A real OpenID Connect provider for bosun's tests, built on the certified `oidc-provider`.
//
//   node end2end/oidc/provider.mjs --port 0 --client-id bosun --client-secret SECRET \
//     [--redirect-uri URL]... [--post-logout-redirect-uri URL]...
//
// Once listening it prints one line to stdout, `oidc-provider: ready <issuer>`; all logging goes
// to stderr. Besides the OpenID endpoints (discovery, /jwks, /auth, /token, /me, /session/end) it
// serves its own sign-in page under /interaction/:uid (consent is granted automatically) and the
// test-control endpoints described at `controlRoutes`. RP-initiated logout shows a confirmation
// page whose "Yes, sign me out" button ends the session. All state is in memory.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import {
  base64url, calculateJwkThumbprint, CompactSign, decodeJwt, decodeProtectedHeader,
  exportJWK, generateKeyPair,
} from 'jose';
import Provider from 'oidc-provider';

// oidc-provider prints notices with console.info (stdout); keep stdout for the ready line.
console.log = console.info = (...args) => console.error(...args);

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true, default: [] },
    'post-logout-redirect-uri': { type: 'string', multiple: true, default: [] },
  },
});
if (!args['client-id'] || !args['client-secret']) {
  console.error('usage: provider.mjs --port N --client-id ID --client-secret SECRET [--redirect-uri URL]...');
  process.exit(2);
}

// ---- Users -------------------------------------------------------------------------------------

// Everyone's password is `<username>-pw`; `sub` is deliberately not the username.
const users = new Map([
  ['alice', { groups: ['bosun-admins'] }],
  ['oscar', { groups: ['bosun-operators'] }],
  ['vera', { groups: ['bosun-viewers'] }],
  ['nobody', { groups: ['marketing'] }],
  ['mia', { groups: ['bosun-admins'], amr: ['pwd', 'otp'] }],
]);

async function findAccount(ctx, sub) {
  const username = sub.replace(/^sub-/, '');
  const user = users.get(username);
  if (!user || sub !== `sub-${username}`) return undefined;
  return {
    accountId: sub,
    // Read whenever tokens or userinfo are issued, so /__test/groups applies from then on.
    async claims() {
      return {
        sub,
        preferred_username: username,
        name: username[0].toUpperCase() + username.slice(1),
        email: `${username}@example.test`,
        email_verified: true,
        groups: [...user.groups],
        realm_access: { roles: [...user.groups] }, // Keycloak-style nested copy
      };
    },
  };
}

// ---- HTML pages (self-contained: no external fonts or scripts) ---------------------------------

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
${body}
</main></body>
</html>`;

const loginPage = (uid, username = '', failed = false) => page('Sign in', `
${failed ? '<p role=alert>Wrong username or password</p>' : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for=username>Username</label>
<input id=username name=username autocomplete=username value="${escapeHtml(username)}">
<label for=password>Password</label>
<input id=password name=password type=password autocomplete=current-password>
<button type=submit>Sign in</button>
</form>`);

// RP-initiated logout asks for confirmation; `form` is oidc-provider's hidden form (with xsrf).
async function logoutSource(ctx, form) {
  ctx.body = page('Sign out?', `${form}
<button type=submit form="op.logoutForm" name=logout value=yes>Yes, sign me out</button>
<button type=submit form="op.logoutForm">No, stay signed in</button>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Signed out', '<p>You have been signed out.</p>');
}

async function renderError(ctx, { error, error_description: description }) {
  ctx.type = 'html';
  ctx.body = page('Error', `<p role=alert>${escapeHtml(error)}: ${escapeHtml(description ?? '')}</p>`);
}

// ---- Signing keys, client metadata and the (replaceable) Provider instance ---------------------

async function newSigningKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...await exportJWK(privateKey), alg: 'RS256', use: 'sig' };
  jwk.kid = await calculateJwkThumbprint(jwk);
  return { privateKey, jwk };
}

let signingKey = await newSigningKey();

let client = {
  client_id: args['client-id'],
  client_secret: args['client-secret'],
  token_endpoint_auth_method: 'client_secret_basic', // oidc-provider accepts client_secret_post too
  grant_types: ['authorization_code'],
  response_types: ['code'],
  id_token_signed_response_alg: 'RS256',
  redirect_uris: args['redirect-uri'],
  post_logout_redirect_uris: args['post-logout-redirect-uri'],
};

let tamper = null; // kind of damage for the next ID token (see /__test/tamper), or null
let conform = false; // ID tokens with only the openid scope's claims; the rest from userinfo

// oidc-provider fixes its configuration at construction, so key rotation and client changes
// build a new Provider and swap it in. Sessions, grants and codes survive the swap: the package's
// default in-memory adapter keeps a single store per process, and the cookie keys are shared.
const cookieKeys = [randomBytes(32).toString('base64url')];
function buildProvider(issuer, clientMetadata) {
  const provider = new Provider(issuer, {
    clients: [clientMetadata],
    jwks: { keys: [signingKey.jwk] },
    findAccount,
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub', 'amr'], // `amr` under openid puts it into every ID token
      profile: ['preferred_username', 'name'],
      email: ['email', 'email_verified'],
      groups: ['groups', 'realm_access'],
    },
    // Off: ID tokens carry the scopes' claims. On (/__test/conform), as OpenID recommends for
    // the code flow: only `sub` and `amr`, the groups and names from userinfo.
    conformIdTokenClaims: conform,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    pkce: { methods: ['S256'], required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    renderError,
    cookies: {
      keys: cookieKeys,
      long: { httpOnly: true, sameSite: 'lax' }, // SameSite=None would need https
    },
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 86400, Grant: 86400,
    },
  });
  provider.use(tamperMiddleware(provider));
  provider.use(interactionMiddleware(provider));
  return { provider, handle: provider.callback() };
}

// ---- Interactions: sign-in with automatic consent ----------------------------------------------

async function readBody(req) {
  req.setEncoding('utf8');
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 65536) throw new Error('request body too large');
  }
  return body;
}

// Consents to everything the client asked for and completes the interaction (with the login
// too when the user has just signed in), redirecting back to the authorization endpoint.
async function finishInteraction(ctx, provider, details, login) {
  const { params, prompt } = details;
  // A fresh sign-in gets a fresh grant; a consent prompt extends the session's grant.
  const grant = (!login && details.grantId && await provider.Grant.find(details.grantId))
    || new provider.Grant({ accountId: login?.accountId ?? details.session.accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const result = { consent: { grantId: await grant.save() }, ...(login && { login }) };
  ctx.status = 303;
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result));
}

function interactionMiddleware(provider) {
  return async (ctx, next) => {
    const [, uid, isLogin] = /^\/interaction\/([\w-]+)(\/login)?$/.exec(ctx.path) ?? [];
    if (!uid) return next();
    ctx.set('cache-control', 'no-store');
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) { // SessionNotFound: unknown or expired uid, or no interaction cookie
      ctx.status = err.status ?? 500;
      return renderError(ctx, err);
    }
    const { name } = details.prompt;
    if (ctx.method === 'GET' && !isLogin && name === 'consent') return finishInteraction(ctx, provider, details);
    if (ctx.method === 'GET' && !isLogin && name === 'login') {
      ctx.type = 'html';
      ctx.body = loginPage(uid);
      return undefined;
    }
    if (ctx.method === 'POST' && isLogin && name === 'login') {
      const form = new URLSearchParams(await readBody(ctx.req));
      const username = form.get('username') ?? '';
      const user = users.get(username);
      if (!user || form.get('password') !== `${username}-pw`) {
        console.error(`sign-in failed for ${JSON.stringify(username)}`);
        ctx.type = 'html';
        ctx.body = loginPage(uid, username, true);
        return undefined;
      }
      console.error(`signed in: ${username}`);
      return finishInteraction(ctx, provider, details, { accountId: `sub-${username}`, amr: user.amr ?? ['pwd'] });
    }
    return next();
  };
}

// ---- ID token tampering ------------------------------------------------------------------------

const sign = (payload, header, key) => new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
  .setProtectedHeader(header)
  .sign(key);

// Returns a damaged copy of `idToken`; all claims but the changed ones are kept.
async function tamperIdToken(idToken, kind) {
  const header = decodeProtectedHeader(idToken);
  const payload = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  switch (kind) {
    case 'aud': return sign({ ...payload, aud: 'someone-else' }, header, signingKey.privateKey);
    case 'expired': return sign({ ...payload, iat: now - 7200, exp: now - 3600 }, header, signingKey.privateKey);
    case 'nonce': return sign({ ...payload, nonce: `not-${payload.nonce}` }, header, signingKey.privateKey);
    case 'unknown-key': {
      const stranger = await newSigningKey(); // its kid is in no JWKS
      return sign(payload, { ...header, kid: stranger.jwk.kid }, stranger.privateKey);
    }
    case 'none': return `${base64url.encode('{"alg":"none","typ":"JWT"}')}.${idToken.split('.')[1]}.`;
    default: throw new Error(`unknown tamper kind ${kind}`);
  }
}

// Rewrites the ID token of the next successful token-endpoint response, once.
function tamperMiddleware(provider) {
  const tokenPath = provider.pathFor('token');
  return async (ctx, next) => {
    await next();
    if (!tamper || ctx.path !== tokenPath || ctx.status !== 200 || !ctx.body?.id_token) return;
    const kind = tamper;
    tamper = null;
    console.error(`tampering with an ID token: ${kind}`);
    ctx.body = { ...ctx.body, id_token: await tamperIdToken(ctx.body.id_token, kind) };
  };
}

// ---- Test-control endpoints --------------------------------------------------------------------

const TAMPER_KINDS = new Set(['aud', 'expired', 'unknown-key', 'none', 'nonce', 'off']);
const isStringArray = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string');

class BadRequest extends Error {}

let current; // { provider, handle } serving everything but /__test/

// Builds a Provider with the current key and the given client; it replaces the running one only
// if the client metadata is valid.
async function swapProvider(nextClient) {
  const next = buildProvider(current.provider.issuer, nextClient);
  await next.provider.Client.find(nextClient.client_id); // validates the metadata
  [current, client] = [next, nextClient];
}

// Each takes the parsed JSON request body and returns the JSON response body.
const controlRoutes = {
  // {"user": "oscar", "groups": ["bosun-admins"]}: replaces a user's groups.
  'POST /__test/groups': async (body) => {
    const user = users.get(body.user);
    if (!user || !isStringArray(body.groups)) throw new BadRequest('need a known user and groups: [string]');
    user.groups = body.groups;
    return { user: body.user, groups: user.groups };
  },
  // {"redirect_uris": [...], "post_logout_redirect_uris": [...]}: replaces the lists given.
  'POST /__test/client': async (body) => {
    const updated = { ...client };
    for (const field of ['redirect_uris', 'post_logout_redirect_uris']) {
      if (body[field] === undefined) continue;
      if (!isStringArray(body[field])) throw new BadRequest(`${field} must be [string]`);
      updated[field] = body[field];
    }
    await swapProvider(updated).catch((err) => { throw new BadRequest(err.error_description ?? err.message); });
    return { redirect_uris: client.redirect_uris, post_logout_redirect_uris: client.post_logout_redirect_uris };
  },
  // Signs with, and publishes, only a freshly generated key (new kid) from now on.
  'POST /__test/rotate': async () => {
    signingKey = await newSigningKey();
    await swapProvider(client);
    return { kid: signingKey.jwk.kid };
  },
  // {"kind": "aud" | "expired" | "unknown-key" | "none" | "nonce" | "off"}
  'POST /__test/tamper': async (body) => {
    if (!TAMPER_KINDS.has(body.kind)) throw new BadRequest(`kind must be one of ${[...TAMPER_KINDS]}`);
    tamper = body.kind === 'off' ? null : body.kind;
    return { tamper };
  },
  // {"on": true}: ID tokens leave out the groups and names; userinfo has them.
  'POST /__test/conform': async (body) => {
    if (typeof body.on !== 'boolean') throw new BadRequest('need {"on": true|false}');
    conform = body.on;
    await swapProvider(client);
    return { conform };
  },
  'GET /__test/health': async () => ({ ok: true }),
};

// ---- HTTP server -------------------------------------------------------------------------------

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (!path.startsWith('/__test/')) return current.handle(req, res);

  const route = controlRoutes[`${req.method} ${path}`];
  if (!route) return sendJson(res, 404, { error: 'no such test endpoint' });
  try {
    const text = req.method === 'POST' ? await readBody(req) : '';
    const result = await route((text && JSON.parse(text)) || {});
    console.error(`${req.method} ${path} -> ${JSON.stringify(result)}`);
    return sendJson(res, 200, result);
  } catch (err) {
    const status = err instanceof BadRequest || err instanceof SyntaxError ? 400 : 500;
    console.error(`${req.method} ${path} failed: ${status === 400 ? err.message : err.stack}`);
    return sendJson(res, status, { error: err.message });
  }
});

server.listen(Number(args.port), '127.0.0.1', async () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  current = buildProvider(issuer, client);
  if (client.redirect_uris.length) { // without any, the client is unusable until POST /__test/client
    await current.provider.Client.find(client.client_id).catch((err) => {
      console.error(`invalid client: ${err.error_description ?? err.message}`);
      process.exit(1);
    });
  }
  process.stdout.write(`oidc-provider: ready ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
