// Generates the committed jose test vectors of JoseVectorTests.cs (run once: node gen-vectors.mjs).
// Secret "cxpa-zone-interop-secret-0123456789ab" (UTF-8), audience "aud_interop_7", now 1795341600 (2026-11-22T10:00:00Z).
import { SignJWT } from 'jose';
const enc = new TextEncoder();
const secret = enc.encode('cxpa-zone-interop-secret-0123456789ab');
const other = enc.encode('not-the-interop-secret-0123456789abcd');
const aud = 'aud_interop_7', now = 1795341600;
const base = { aud, iat: now - 10, exp: now + 300, userId: '0b8e6a52-5f0c-4c1e-9d7a-2f3b4c5d6e7f', agentId: 7, orgSlug: 'globex', agentSlug: 'pdf-maker' };
const v = async (payload, header, key = secret) => new SignJWT(payload).setProtectedHeader(header).sign(key);
const out = {
  standard: await v(base, { alg: 'HS256' }),
  typ_and_nbf: await v({ ...base, nbf: now - 10 }, { alg: 'HS256', typ: 'JWT' }),
  extra_claims: await v({ ...base, scope: ['runs:write', 'credentials:read'], meta: { plan: 'pro', limits: { runs: 100, ratio: 0.75 } }, name: 'Zoë 🙂', flag: true, nothing: null }, { alg: 'HS256' }),
  kid: await v(base, { alg: 'HS256', kid: 'zone-key-1' }),
  array_aud: await v({ ...base, aud: [aud] }, { alg: 'HS256' }),
  expired: await v({ ...base, exp: now - 60 }, { alg: 'HS256' }),
  wrong_secret: await v(base, { alg: 'HS256' }, other),
  hs512: await v(base, { alg: 'HS512' }),
};
for (const [k, t] of Object.entries(out)) console.log(`${k} ${t}`);
