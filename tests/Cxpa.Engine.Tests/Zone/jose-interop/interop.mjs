// Bridge for the ZoneTokens interop tests: reads one JSON request on stdin, writes one JSON answer on stdout.
//   {"op":"mint","secret":"<base64url>","header":{...},"payload":{...}}             -> {"token":"..."}
//   {"op":"verify","secret":"<base64url>","audience":"...","clockTolerance":5,
//    "now":<unix seconds>,"tokens":["...", ...]}                                      -> [{"ok":true,"payload":{...}} | {"ok":false,"code":"..."}]
// verify uses the options of @cxpa/sdk/zone's createZoneMiddleware: HS256 only, the audience, a clock tolerance,
// and exp required.
import { SignJWT, jwtVerify, base64url } from 'jose';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const key = base64url.decode(request.secret);

if (request.op === 'mint') {
  const token = await new SignJWT(request.payload).setProtectedHeader(request.header ?? { alg: 'HS256' }).sign(key);
  process.stdout.write(JSON.stringify({ token }));
} else if (request.op === 'verify') {
  const results = [];
  for (const token of request.tokens) {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        audience: request.audience,
        clockTolerance: request.clockTolerance,
        currentDate: new Date(request.now * 1000),
        requiredClaims: ['exp'],
      });
      results.push({ ok: true, payload });
    } catch (error) {
      results.push({ ok: false, code: error?.code ?? String(error?.name ?? 'error') });
    }
  }
  process.stdout.write(JSON.stringify(results));
} else {
  process.stderr.write('unknown op');
  process.exit(2);
}
