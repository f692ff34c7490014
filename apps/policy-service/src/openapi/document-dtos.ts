import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Schema = Record<string, unknown>;
type Class = abstract new (...args: never[]) => unknown;

/** The OpenAPI schema a class-validator rule implies, for the rules the admin DTOs use. */
function schemaOf(rule: ValidationMetadata): Schema {
  const [first, second] = (rule.constraints ?? []) as unknown[];
  switch (rule.name) {
    case 'isInt':
      return { type: 'integer' };
    case 'isNumber':
      return { type: 'number' };
    case 'isString':
      return { type: 'string' };
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isObject':
      return { type: 'object', additionalProperties: true };
    case 'isArray':
      return { isArray: true };
    case 'min':
      return { minimum: first };
    case 'max':
      return { maximum: first };
    case 'isIn':
      return { type: 'string', enum: first };
    case 'matches':
      return { type: 'string', pattern: first instanceof RegExp ? first.source : undefined };
    case 'isPrintable':
      return { type: 'string', minLength: 1, maxLength: first };
    case 'isISO8601':
      return { type: 'string', format: 'date-time' };
    case 'isUUID':
      return { type: 'string', format: 'uuid' };
    case 'isWindow':
      return {
        oneOf: [
          { type: 'number', minimum: first, maximum: second, description: 'seconds' },
          { type: 'string', pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$', example: '1m', description: 'duration: 30s, 1m, 1h, 1d, 1h30m' },
        ],
      };
    default:
      return {};
  }
}

function ownClassChain(cls: Class): Class[] {
  const chain: Class[] = [];
  for (let current: unknown = cls; typeof current === 'function' && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    chain.push(current as Class);
  }
  return chain;
}

/**
 * Generates the OpenAPI properties of DTO classes from their class-validator rules (and
 * class-transformer @Type for nested objects), so the contracts library needs no Swagger
 * decorators and the docs cannot drift from what the API validates. Applies `ApiProperty` to each
 * class in `classes` and their base classes, once. `overrides` replace the generated options of
 * one property (`ClassName.property`).
 */
export function documentDtos(classes: readonly Class[], overrides: Readonly<Record<string, ApiPropertyOptions>> = {}): void {
  const storage = getMetadataStorage();
  const done = new Set<Class>();
  const visit = (cls: Class): void => {
    // Base classes first: a subclass's property list extends its base's only if the base has one already.
    for (const current of ownClassChain(cls).reverse()) {
      if (done.has(current)) continue;
      done.add(current);
      const rules = storage.getTargetValidationMetadatas(current, '', true, false).filter((rule) => rule.target === current);
      const byProperty = new Map<string, ValidationMetadata[]>();
      for (const rule of rules) byProperty.set(rule.propertyName, [...(byProperty.get(rule.propertyName) ?? []), rule]);
      for (const [property, propertyRules] of byProperty) {
        const options = overrides[`${current.name}.${property}`] ?? propertyOptions(current, property, propertyRules, visit);
        ApiProperty(options)(current.prototype as object, property);
      }
    }
  };
  classes.forEach(visit);
}

function propertyOptions(cls: Class, property: string, rules: readonly ValidationMetadata[], visit: (cls: Class) => void): ApiPropertyOptions {
  const schema: Schema = {};
  for (const rule of rules) Object.assign(schema, Object.fromEntries(Object.entries(schemaOf(rule)).filter(([, value]) => value !== undefined)));
  // @IsOptional, or @ValidateIf (required only together with, or without, another field: the docs say which).
  const optional = rules.some((rule) => rule.type === 'conditionalValidation');
  const nested = rules.find((rule) => rule.type === 'nestedValidation');
  if (nested !== undefined) {
    const nestedType = defaultMetadataStorage.findTypeMetadata(cls, property)?.typeFunction() as Class | undefined;
    if (nestedType !== undefined) {
      visit(nestedType);
      delete schema.type;
      delete schema.additionalProperties;
      schema.type = nestedType;
      if (nested.each) schema.isArray = true;
    }
  }
  return { ...schema, required: !optional } as ApiPropertyOptions;
}
