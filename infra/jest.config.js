// Deployment assets checked without deploying: the compose file and Dockerfiles (parsed; Docker
// does not run here), the Terraform modules (HCL parsed with @cdktf/hcl2json; `terraform fmt`
// when terraform is installed, `terraform validate` when a provider mirror is configured), the
// Prometheus alert rules (evaluated over sample series by `promtool test rules`).
// infra/nats: the shipped nats-server configuration, checked against the permission layout and by
// `nats-server -t`. infra/local is `npm start`'s topology and has no tests of its own here.
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'infra',
  rootDir: __dirname,
  roots: ['<rootDir>/compose', '<rootDir>/docker', '<rootDir>/nats', '<rootDir>/terraform', '<rootDir>/observability'],
  testMatch: ['**/*.spec.ts'],
  testTimeout: 180000,
};
