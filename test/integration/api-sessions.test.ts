import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { documents } from '../../functions/shared/clients.js';
import { addApiKey, revokeApiKey } from '../../functions/shared/store/seller-admin.js';
import { hashApiKey } from '../../functions/shared/store/sellers.js';
import { createSession, SESSION_LIFETIME_MS } from '../../functions/shared/store/sessions.js';
import { tableName } from '../../functions/shared/store/table.js';
import { orderInput } from '../support/orders.js';
import { call, type ApiAnswer } from '../support/http.js';
import { ACME, DEMO, seedSellers } from '../support/sellers.js';
import { mockStepFunctions } from '../support/step-functions.js';
import { countItems } from '../support/table.js';

const stepFunctions = mockStepFunctions();
beforeAll(seedSellers);
afterEach(() => stepFunctions.reset());

const signIn = (apiKey: string) => call({ method: 'POST', path: '/sessions', body: { apiKey } });

/** The `name=value` a browser sends back for a Set-Cookie. */
const cookieOf = (answer: ApiAnswer) => answer.cookies[0]!.split(';')[0]!;
const tokenOf = (answer: ApiAnswer) => cookieOf(answer).split('=')[1]!;

/** A browser holding the session cookie of a sign-in (and, when given, its CSRF token). */
function browser(answer: ApiAnswer, csrfToken?: string) {
  const cookies = [cookieOf(answer)];
  const headers: Record<string, string> = csrfToken ? { 'x-csrf-token': csrfToken } : {};
  return {
    get: (path: string) => call({ method: 'GET', path, cookies }),
    send: (method: string, path: string, body?: object) =>
      call({ method, path, cookies, headers, ...(body ? { body } : {}) }),
  };
}

describe('POST /sessions', () => {
  it('exchanges the API key for an HttpOnly, Secure, SameSite=Strict cookie and a CSRF token, storing only the token’s hash', async () => {
    const answer = await signIn(DEMO.apiKey);

    expect(answer.statusCode).toBe(201);
    expect(answer.json).toEqual({
      sellerId: DEMO.sellerId,
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
    });
    const hoursLeft = (Date.parse(answer.json.expiresAt) - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(7.9);
    expect(hoursLeft).toBeLessThanOrEqual(8);
    const [cookie] = answer.cookies;
    expect(cookie).toMatch(/^orderflow_session=[A-Za-z0-9_-]{43};/);
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/', 'Max-Age=28800'])
      expect(cookie!.split('; ')).toContain(attribute);
    const token = tokenOf(answer);
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName(), Key: { PK: `SESSION#${hashApiKey(token)}`, SK: 'SESSION' } }),
    );
    expect(Item).toMatchObject({ sellerId: DEMO.sellerId, apiKeyHash: hashApiKey(DEMO.apiKey) });
    expect(Item!.expiresAt).toBe(Math.floor(Date.parse(answer.json.expiresAt) / 1000));
    expect(JSON.stringify(Item)).not.toContain(token);
    expect(JSON.stringify(Item)).not.toContain(DEMO.apiKey);
  });

  it('refuses a wrong key with 401, no cookie and nothing written; a malformed body with 400', async () => {
    const before = await countItems();

    const wrong = await signIn(`${DEMO.apiKey}-wrong`);
    const malformed = await call({ method: 'POST', path: '/sessions', body: { apiKey: 'short' } });
    const extra = await call({
      method: 'POST',
      path: '/sessions',
      body: { apiKey: DEMO.apiKey, sellerId: 'acme' },
    });

    expect(wrong.statusCode).toBe(401);
    expect(wrong.cookies).toEqual([]);
    expect(malformed.statusCode).toBe(400);
    expect(extra.statusCode).toBe(400);
    expect(await countItems()).toBe(before);
  });
});

describe('a session on the seller routes', () => {
  it('reads with the cookie alone and writes with the cookie and its CSRF token', async () => {
    const session = await signIn(DEMO.apiKey);
    const demo = browser(session, session.json.csrfToken);

    const created = await demo.send('POST', '/orders', orderInput({ externalOrderId: 'session-1' }));
    const read = await browser(session).get(`/orders/${created.json.orderId}`);
    const current = await browser(session).get('/sessions/current');

    expect(created.statusCode).toBe(201);
    expect(read.statusCode).toBe(200);
    expect(read.json.externalOrderId).toBe('session-1');
    expect(current.json).toEqual(session.json);
  });

  it('refuses a state-changing request without the CSRF token, or with another session’s, with 403 and writes nothing', async () => {
    const session = await signIn(DEMO.apiKey);
    const other = await signIn(DEMO.apiKey);
    const before = await countItems();

    const without = await browser(session).send('PUT', '/inventory/MUG-RED', { available: 1 });
    const wrong = await browser(session, other.json.csrfToken).send('PUT', '/inventory/MUG-RED', {
      available: 1,
    });
    const signOut = await browser(session).send('DELETE', '/sessions/current');

    expect([without.statusCode, wrong.statusCode, signOut.statusCode]).toEqual([403, 403, 403]);
    expect(without.json.error.code).toBe('csrf_token_invalid');
    expect(await countItems()).toBe(before);
    expect((await browser(session).get('/inventory/MUG-RED')).json.available).toBe(100);
  });

  it('sees only its own seller’s orders', async () => {
    const demoSession = await signIn(DEMO.apiKey);
    const demoOrder = await browser(demoSession, demoSession.json.csrfToken).send(
      'POST',
      '/orders',
      orderInput({ externalOrderId: 'session-mine' }),
    );
    const acme = browser(await signIn(ACME.apiKey));

    const seen = await acme.get(`/orders/${demoOrder.json.orderId}`);

    expect(demoOrder.statusCode).toBe(201);
    expect(seen.statusCode).toBe(404);
  });

  it('refuses an expired session with 401', async () => {
    const expired = await createSession(DEMO.apiKey, Date.now() - SESSION_LIFETIME_MS - 1_000);
    const cookies = [`orderflow_session=${expired!.token}`];

    const answer = await call({ method: 'GET', path: '/orders', cookies });

    expect(answer.statusCode).toBe(401);
  });

  it('takes an Authorization header over the cookie, so a bad key is refused beside a good session', async () => {
    const session = await signIn(DEMO.apiKey);

    const answer = await call({
      method: 'GET',
      path: '/orders',
      cookies: [cookieOf(session)],
      headers: { authorization: 'Bearer not-a-real-key' },
    });

    expect(answer.statusCode).toBe(401);
  });

  it('ends when the API key it was made from is revoked', async () => {
    const apiKey = 'session-test-key-to-revoke';
    await addApiKey(DEMO.sellerId, apiKey);
    const session = await signIn(apiKey);
    const before = await browser(session).get('/orders');

    await revokeApiKey(DEMO.sellerId, { apiKey });
    const after = await browser(session).get('/orders');

    expect(before.statusCode).toBe(200);
    expect(after.statusCode).toBe(401);
  });
});

describe('DELETE /sessions/current', () => {
  it('signs out: clears the cookie, and the old cookie is refused from then on', async () => {
    const session = await signIn(DEMO.apiKey);
    const demo = browser(session, session.json.csrfToken);

    const signedOut = await demo.send('DELETE', '/sessions/current');
    const orders = await demo.get('/orders');
    const current = await demo.get('/sessions/current');
    const again = await demo.send('DELETE', '/sessions/current');

    expect(signedOut.statusCode).toBe(204);
    expect(signedOut.cookies[0]).toMatch(/^orderflow_session=; .*Max-Age=0/);
    expect([orders.statusCode, current.statusCode, again.statusCode]).toEqual([401, 401, 401]);
  });

  it('needs a session: an API key alone is refused', async () => {
    const answer = await call({
      method: 'DELETE',
      path: '/sessions/current',
      headers: { authorization: `Bearer ${DEMO.apiKey}` },
    });

    expect(answer.statusCode).toBe(401);
  });
});
