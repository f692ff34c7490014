import { usageAccessDenied } from './usage-access';

const TOKEN = 'reconciler-api-token-0123';

describe('usageAccessDenied', () => {
  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])('without a token, serves loopback client %s', (remoteAddress) => {
    expect(usageAccessDenied({ authorization: undefined, remoteAddress, token: undefined })).toBeUndefined();
  });

  it.each(['10.0.0.7', '192.168.1.1', '::ffff:10.0.0.7', '2001:db8::1', undefined])('without a token, refuses client %s with 403', (remoteAddress) => {
    expect(usageAccessDenied({ authorization: `Bearer ${TOKEN}`, remoteAddress, token: undefined })).toEqual({
      status: 403,
      message: 'GET /v1/global/usage answers loopback clients only while RECONCILER_API_TOKEN is unset',
    });
  });

  it('with a token, serves any client that sends it', () => {
    expect(usageAccessDenied({ authorization: `Bearer ${TOKEN}`, remoteAddress: '10.0.0.7', token: TOKEN })).toBeUndefined();
    expect(usageAccessDenied({ authorization: `bearer  ${TOKEN} `, remoteAddress: '10.0.0.7', token: TOKEN })).toBeUndefined();
  });

  it.each([
    [undefined, 'missing bearer token: send Authorization: Bearer <RECONCILER_API_TOKEN>'],
    ['Basic abc', 'missing bearer token: send Authorization: Bearer <RECONCILER_API_TOKEN>'],
    [['Bearer a', 'Bearer b'], 'missing bearer token: send Authorization: Bearer <RECONCILER_API_TOKEN>'],
    [`Bearer ${TOKEN}x`, 'wrong bearer token'],
    ['Bearer short', 'wrong bearer token'],
  ])('with a token, refuses %j with 401, even from loopback', (authorization, message) => {
    expect(usageAccessDenied({ authorization, remoteAddress: '127.0.0.1', token: TOKEN })).toEqual({ status: 401, message });
  });
});
