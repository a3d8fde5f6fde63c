// A certified OpenID Provider (the `oidc-provider` package, installed by .ci/oidc-env) on
// 127.0.0.1 for the single sign-on tests. Usage:
//
//   node provider.mjs <redirect_uri> <client_id> <client_secret> <accounts.json>
//
// It listens on a free port and prints one line, `READY <issuer>`, once it serves. The accounts
// file maps each account id (what the test types into the provider's login page) to its claims
// ({"email": ..., "email_verified": ..., "name": ...}). The provider's own development login and
// consent pages are used, driven over HTTP by the test like a browser would.
import http from 'node:http';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [redirectUri, clientId, clientSecret, accountsFile] = process.argv.slice(2);
if (!accountsFile) {
  console.error('usage: provider.mjs <redirect_uri> <client_id> <client_secret> <accounts.json>');
  process.exit(2);
}
const dir = process.env.FLOWSENSE_OIDC_PROVIDER_DIR;
if (!dir) {
  console.error('FLOWSENSE_OIDC_PROVIDER_DIR is not set (source .ci/oidc-env)');
  process.exit(2);
}
const require = createRequire(path.join(dir, 'package.json'));
const { default: Provider } = await import(require.resolve('oidc-provider'));
const accounts = JSON.parse(fs.readFileSync(accountsFile, 'utf8'));

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The e-mail claims go into the ID token itself, which is all the relying party reads.
  conformIdTokenClaims: false,
  cookies: { keys: ['flowsense-test-provider-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
server.on('request', provider.callback());
process.stdout.write(`READY ${issuer}\n`);
