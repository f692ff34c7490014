import 'reflect-metadata';
import { CreatePolicyDto, SetLimitDto } from '@rl/contracts';
import { InvalidInputError } from '../errors/api-errors';
import { AdminValidationPipe } from './admin-validation.pipe';

async function fieldsOf(body: unknown, metatype: new () => object): Promise<unknown> {
  try {
    await new AdminValidationPipe().transform(body, { type: 'body', metatype });
  } catch (error) {
    if (error instanceof InvalidInputError) return error.fields;
    throw error;
  }
  throw new Error('accepted');
}

describe('AdminValidationPipe', () => {
  it('returns the DTO instance of a valid body', async () => {
    const value = await new AdminValidationPipe().transform({ customer_id: 'acme', limit: 5, window: '1m' }, { type: 'body', metatype: SetLimitDto });
    expect(value).toBeInstanceOf(SetLimitDto);
    expect(value).toMatchObject({ customer_id: 'acme', limit: 5, window: '1m' });
  });

  it('names nested and unknown fields by path', async () => {
    expect(
      await fieldsOf(
        { id: 'a', match: { method: 'GET /', customerTier: 'free', colour: 1 }, algorithm: 'gcra', limit: 1, windowSeconds: 1, extra: 1 },
        CreatePolicyDto,
      ),
    ).toEqual(
      expect.arrayContaining([
        { path: 'extra', message: 'is not a known field' },
        { path: 'match.method', message: 'must be an HTTP method name of 1 to 16 letters' },
        { path: 'match.colour', message: 'is not a known field' },
      ]),
    );
  });

  it.each([[null], [[]], ['text'], [42], [[{ customer_id: 'acme' }]]])('rejects the body %j as not an object', async (body) => {
    expect(await fieldsOf(body, SetLimitDto)).toEqual([{ path: '', message: 'the request body must be a JSON object' }]);
  });

  it('does not coerce strings to numbers in bodies', async () => {
    expect(await fieldsOf({ customer_id: 'acme', limit: '5', window: 60 }, SetLimitDto)).toEqual([
      { path: 'limit', message: 'must be an integer from 1 to 1000000000' },
    ]);
  });
});
