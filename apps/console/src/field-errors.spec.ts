import { ApiError } from './api';
import { formErrors } from './field-errors';
import { POLICY_FORM_PATHS } from './policy-form';

describe('formErrors', () => {
  it("puts each field path's first message under its field and the rest in the banner", () => {
    const error = new ApiError(400, 'validation_failed', 'invalid request', [
      { path: 'limit', message: 'must be an integer from 1 to 1000000000' },
      { path: 'limit', message: 'second message is dropped' },
      { path: 'match.method', message: 'must be an HTTP method name of 1 to 16 letters' },
      { path: 'match.colour', message: 'is not a known field' },
      { path: 'extra', message: 'is not a known field' },
    ]);
    expect(formErrors(error, POLICY_FORM_PATHS)).toEqual({
      byPath: {
        limit: 'must be an integer from 1 to 1000000000',
        'match.method': 'must be an HTTP method name of 1 to 16 letters',
        match: 'colour is not a known field',
      },
      general: ['extra is not a known field'],
    });
  });

  it('reaches the nearest parent for array paths and shows an error without fields as a banner', () => {
    expect(formErrors(new ApiError(422, 'unprocessable_entity', 'x', [{ path: 'items[2].tier', message: 'bad' }]), ['items'])).toEqual({
      byPath: { items: '[2].tier bad' },
      general: [],
    });
    expect(formErrors(new ApiError(412, 'precondition_failed', 'version 3 is not current'), POLICY_FORM_PATHS)).toEqual({
      byPath: {},
      general: ['version 3 is not current'],
    });
    expect(formErrors(new Error('boom'), POLICY_FORM_PATHS)).toEqual({ byPath: {}, general: ['boom'] });
  });
});
