import * as z from 'zod';
import { createSession, endSession, type Session } from '../../shared/store/sessions.js';
import { clearedSessionCookie, CSRF_HEADER, SESSION_COOKIE, sessionCookie } from '../auth.js';
import { ApiError, json } from '../http.js';
import { defineRoute } from '../route.js';

/** The same key a Bearer header may carry (auth.ts): printable ASCII, 8 to 512 characters. */
const signInBodySchema = z.strictObject({
  apiKey: z
    .string()
    .regex(/^[\x21-\x7e]{8,512}$/, 'must be an API key')
    .describe('the seller API key to exchange for a session'),
});

const sessionSchema = z.object({
  sellerId: z.string(),
  csrfToken: z.string().describe(`send it in ${CSRF_HEADER} with every state-changing request`),
  expiresAt: z.string().describe('ISO time after which the session is refused'),
});

const shown = ({ sellerId, csrfToken, expiresAt }: Session) => ({ sellerId, csrfToken, expiresAt });

export const signInRoute = defineRoute({
  method: 'POST',
  path: '/sessions',
  operationId: 'signIn',
  summary: `Exchange an API key for a console session: the ${SESSION_COOKIE} cookie (HttpOnly, Secure, SameSite=Strict) and its CSRF token`,
  tag: 'sessions',
  auth: 'none',
  body: signInBodySchema,
  responses: {
    201: { description: 'signed in; Set-Cookie carries the session', schema: sessionSchema },
    401: { description: 'the API key is not valid; no session was made' },
  },
  async handle({ body }) {
    const created = await createSession(body.apiKey);
    if (!created) throw new ApiError(401, 'unauthorized', 'the API key is not valid');
    return { ...json(201, shown(created.session)), cookies: [sessionCookie(created.token)] };
  },
});

export const getSessionRoute = defineRoute({
  method: 'GET',
  path: '/sessions/current',
  operationId: 'getSession',
  summary: 'The session of the cookie, with its CSRF token (for a console page that was reloaded)',
  tag: 'sessions',
  auth: 'sellerSession',
  responses: { 200: { description: 'the active session', schema: sessionSchema } },
  async handle({ session }) {
    return json(200, shown(session!));
  },
});

export const signOutRoute = defineRoute({
  method: 'DELETE',
  path: '/sessions/current',
  operationId: 'signOut',
  summary: 'End the session of the cookie and clear the cookie',
  tag: 'sessions',
  auth: 'sellerSession',
  responses: { 204: { description: 'signed out; the old cookie is refused from now on' } },
  async handle({ session }) {
    await endSession(session!.token);
    return { statusCode: 204, cookies: [clearedSessionCookie()] };
  },
});
