// Liveness and readiness, for load balancers and orchestrators (no token needed).

import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Documents } from '../documents.ts';
import { HttpProblem } from '../problem.ts';
import { problems } from '../schemas.ts';

const Ok = Type.Object({ status: Type.Literal('ok') });

export function healthRoutes(app: FastifyInstance, documents: Documents): void {
  app.get('/healthz', { schema: { summary: 'The server is up', response: { 200: Ok } } }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { schema: { summary: 'Temporal answers', response: { 200: Ok, ...problems(503) } } }, async () => {
    try {
      await documents.ready();
    } catch (error) {
      throw new HttpProblem(503, 'Temporal unavailable', `Temporal does not answer: ${(error as Error).message}`);
    }
    return { status: 'ok' as const };
  });
}
