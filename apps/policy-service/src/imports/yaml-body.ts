import type { FastifyInstance } from 'fastify';

/** Media types of a YAML request body. */
export const YAML_MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'] as const;

/** Largest YAML body: the admin API's body limit. */
const YAML_BODY_LIMIT = 1_048_576;

/** Lets Fastify read YAML bodies as text; the route parses and validates them. */
export function acceptYamlBodies(instance: FastifyInstance): void {
  if (instance.hasContentTypeParser(YAML_MEDIA_TYPES[0])) return;
  instance.addContentTypeParser([...YAML_MEDIA_TYPES], { parseAs: 'string', bodyLimit: YAML_BODY_LIMIT }, (_request, body, done) => done(null, body));
}
