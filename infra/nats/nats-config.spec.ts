import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeNatsServerConfig, layoutAccounts, natsPasswordVariable, natsPermissionLayout, natsPermissionsTemplate } from '@rl/devstack';

/**
 * The shipped NATS configuration is generated from the one permission layout the services are
 * tested against (natsPermissionLayout): the compose server's configuration, and the template the
 * Terraform region module renders. A stale file fails here; `UPDATE_NATS_CONFIG=1` rewrites it.
 */
const FILES = [
  { path: join(__dirname, 'nats-server.conf'), expected: composeNatsServerConfig() },
  { path: join(__dirname, '..', 'terraform', 'modules', 'region', 'templates', 'nats-permissions.json.tftpl'), expected: natsPermissionsTemplate() },
];

function natsServerBinary(): string | undefined {
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  const probe = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

describe('shipped NATS configuration', () => {
  it.each(FILES.map((f) => [f.path.slice(f.path.indexOf('infra/')), f] as const))('%s matches the permission layout', (_name, file) => {
    if (process.env.UPDATE_NATS_CONFIG === '1') writeFileSync(file.path, file.expected);
    expect(readFileSync(file.path, 'utf8')).toBe(file.expected);
  });

  it('holds no secret: every password is an environment reference', () => {
    const text = readFileSync(join(__dirname, 'nats-server.conf'), 'utf8');
    const passwords = [...text.matchAll(/password: (\S+)/g)].map((m) => m[1]);
    expect(passwords).toEqual(layoutAccounts(natsPermissionLayout({ namespace: 'rl', regions: ['us-east', 'eu-west'] })).map((a) => `$${natsPasswordVariable(a.user)}`));
  });

  it('is a configuration nats-server accepts (`nats-server -t`), given the passwords', () => {
    const binary = natsServerBinary();
    if (binary === undefined) throw new Error("nats-server is not installed: install Debian's nats-server package (apt-get install nats-server)");
    const env = Object.fromEntries(layoutAccounts(natsPermissionLayout({ namespace: 'rl', regions: ['us-east', 'eu-west'] })).map((a) => [natsPasswordVariable(a.user), 'x']));
    const checked = spawnSync(binary, ['-t', '-c', join(__dirname, 'nats-server.conf')], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect({ status: checked.status, output: `${checked.stdout}${checked.stderr}` }).toEqual({ status: 0, output: expect.stringContaining('configuration file') });
  });

  it('the Terraform template is valid JSON once rendered', () => {
    const text = readFileSync(FILES[1].path, 'utf8').replaceAll('${ns}', 'rl').replaceAll('${stream_prefix}', 'RL').replaceAll('${region}', 'us-east');
    const rendered = JSON.parse(text) as Record<string, { publish: string[]; subscribe: string[] }>;
    const layout = natsPermissionLayout({ namespace: 'rl', regions: ['us-east'] });
    expect(rendered.enforcer).toEqual(layout.enforcers['us-east'].permissions);
    expect(rendered.reconciler).toEqual(layout.reconciler.permissions);
    expect(rendered.policy_service).toEqual(layout.policyService.permissions);
  });

  it('the Terraform region template renders a configuration nats-server accepts, with the JSON users as nats.tf builds them', () => {
    const binary = natsServerBinary();
    if (binary === undefined) throw new Error("nats-server is not installed: install Debian's nats-server package (apt-get install nats-server)");
    if (spawnSync('terraform', ['version'], { encoding: 'utf8' }).status !== 0) {
      process.stdout.write('terraform is not installed: the rendering check of nats.conf.tftpl is skipped\n');
      return;
    }
    const templates = join(__dirname, '..', 'terraform', 'modules', 'region', 'templates');
    const nats = readFileSync(join(__dirname, '..', 'terraform', 'modules', 'region', 'nats.tf'), 'utf8');
    // The same escape fix nats.tf applies (jsonencode writes ">" as \u003e, which nats-server refuses).
    expect(nats).toContain('nats_users_json = replace(jsonencode(local.nats_users), "\\\\u003e", ">")');
    const permissions = `jsondecode(templatefile("${templates}/nats-permissions.json.tftpl", { ns = "rl", stream_prefix = "RL", region = "us-east" }))`;
    const user = (key: string, service: string): string =>
      `{ nkey = "${key}", permissions = { publish = { allow = ${permissions}.${service}.publish }, subscribe = { allow = ${permissions}.${service}.subscribe } } }`;
    const users = `replace(jsonencode([${user('UBX52GG4BQIBHCROMF7CY42GYIZKX6RGEOX4AJENO5JF3XW53P7B5ZCE', 'policy_service')}, ${user('UD2LZG5BODBAGNUIKKXMD22DFIYTFBNV6PTLS7DXZXSE3FS2PYVCZRRK', 'enforcer')}]), "\\\\u003e", ">")`;
    const expression = `templatefile("${templates}/nats.conf.tftpl", { server_name = "rl-us-east-nats-1", region = "us-east", routes = ["nats://10.0.0.10:6222"], gateways = { eu-west = ["nats://10.1.0.10:7222"] }, max_file_store_bytes = 1073741824, users_json = ${users} })`;
    const dir = mkdtempSync(join(tmpdir(), 'rl-tf-nats-'));
    try {
      const rendered = spawnSync('terraform', ['console'], { cwd: dir, input: `nonsensitive(${expression})\n`, encoding: 'utf8' });
      expect(rendered.status).toBe(0);
      const text = /<<EOT\n([\s\S]*)\nEOT/.exec(rendered.stdout)?.[1] ?? '';
      expect(text).toContain('"$JS.API.CONSUMER.CREATE.RL_POLICY_CHANGES.>"');
      writeFileSync(join(dir, 'nats.conf'), text);
      const checked = spawnSync(binary, ['-t', '-c', join(dir, 'nats.conf')], { encoding: 'utf8' });
      expect({ status: checked.status, output: `${checked.stdout}${checked.stderr}` }).toEqual({ status: 0, output: expect.stringContaining('is valid') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
