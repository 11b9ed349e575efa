import { describe, expect, it } from 'vitest';
import { ansibleHost, expandHostPattern, jumpFromArgs, limitHosts, parseAnsibleInventory } from '../../src/import/ansible.js';
import { targetOfDest, targetsOfAnsible } from '../../src/import/targets.js';

const INI = `# the write-up's pair
[lb]
proxy101 ansible_host=192.168.0.101
proxy102 ansible_host=192.168.0.102 ansible_port=2222 ansible_user=deploy

[lb:vars]
ansible_user=ops
ansible_ssh_private_key_file=~/.ssh/lb_ed25519
ansible_become=true

[web]
web[01:03].example.com

[prod:children]
lb

[prod:vars]
ansible_ssh_common_args='-o ProxyJump=jump@bastion.example.com:2200'
ansible_user=nobody
`;

const YAML = `all:
  vars:
    ansible_user: root
  children:
    lb:
      hosts:
        proxy101:
          ansible_host: 192.168.0.101
        proxy102:
          ansible_host: 192.168.0.102
          ansible_ssh_private_key_file: keys/p102
      vars:
        ansible_ssh_common_args: -J bastion
        ansible_become: yes
        ansible_become_user: root
    dc2:
      children:
        lb2:
          hosts:
            proxy201: { ansible_host: 10.1.0.1, ansible_port: 22022, ansible_password: hunter2 }
`;

describe('Ansible inventories', () => {
  it('INI: groups, ranges, [g:vars], [g:children]; a child group wins over its parent, a host over both', () => {
    const inv = parseAnsibleInventory(INI, 'hosts.ini');
    expect(inv.hosts).toEqual(['proxy101', 'proxy102', 'web01.example.com', 'web02.example.com', 'web03.example.com']);
    expect(ansibleHost(inv, 'proxy101')).toMatchObject({
      address: '192.168.0.101',
      user: 'ops',
      identityFile: '~/.ssh/lb_ed25519',
      become: true,
      jump: 'jump@bastion.example.com:2200',
    });
    expect(ansibleHost(inv, 'proxy102')).toMatchObject({ address: '192.168.0.102', port: 2222, user: 'deploy' });
    expect(ansibleHost(inv, 'web02.example.com')).toMatchObject({ address: 'web02.example.com', become: false });
  });

  it('YAML: all.vars, nested children, host vars; passwords are not used and said so', () => {
    const inv = parseAnsibleInventory(YAML, 'hosts.yml');
    expect(inv.hosts).toEqual(['proxy101', 'proxy102', 'proxy201']);
    expect(ansibleHost(inv, 'proxy102')).toMatchObject({
      address: '192.168.0.102',
      user: 'root',
      identityFile: 'keys/p102',
      jump: 'bastion',
      become: true,
      becomeUser: 'root',
    });
    expect(ansibleHost(inv, 'proxy201')).toMatchObject({ address: '10.1.0.1', port: 22022, user: 'root', become: false });
    const { targets, warnings } = targetsOfAnsible(inv, 'hosts.yml', 'dc2');
    expect(targets).toEqual([{ name: 'proxy201', address: '10.1.0.1', user: 'root', port: 22022 }]);
    expect(warnings.join('\n')).toMatch(/proxy201: ansible_password is not used/);
    expect(warnings.join('\n')).not.toMatch(/hunter2/);
  });

  it('--limit: groups, hosts, wildcards, exclusion and intersection', () => {
    const inv = parseAnsibleInventory(INI, 'hosts.ini');
    expect(limitHosts(inv, 'lb')).toEqual(['proxy101', 'proxy102']);
    expect(limitHosts(inv, 'prod:!proxy102')).toEqual(['proxy101']);
    expect(limitHosts(inv, 'web0*')).toEqual(['web01.example.com', 'web02.example.com', 'web03.example.com']);
    expect(limitHosts(inv, 'all:&lb')).toEqual(['proxy101', 'proxy102']);
    expect(() => targetsOfAnsible(inv, 'hosts.ini', 'nothing')).toThrow(/no host matches --limit nothing/);
  });

  it('jump hosts from -J, -o ProxyJump= and ProxyCommand ssh -W', () => {
    expect(jumpFromArgs('-J ops@b1:2201')).toBe('ops@b1:2201');
    expect(jumpFromArgs("-o 'ProxyJump=b2'")).toBe('b2');
    expect(jumpFromArgs('-o ProxyCommand="ssh -W %h:%p -p 2022 -l ops bastion"')).toBe('ops@bastion:2022');
    expect(jumpFromArgs('-o StrictHostKeyChecking=no')).toBeUndefined();
    expect(expandHostPattern('db-[a:c]')).toEqual(['db-a', 'db-b', 'db-c']);
  });

  it('bad input names the file and line', () => {
    expect(() => parseAnsibleInventory('[lb]\nproxy101 ansible_host\n', 'h.ini')).toThrow(
      /h\.ini:2: cannot read "ansible_host" as key=value/,
    );
    expect(() => parseAnsibleInventory('all:\n  hosts: [\n', 'h.yml')).toThrow(/h\.yml:\d+:\d+: not valid YAML/);
  });
});

describe('SSH destinations on the command line', () => {
  it('takes node1, user@host and user@host:port; refuses what ssh would read as an option', () => {
    expect(targetOfDest('node1')).toEqual({ name: 'node1', address: 'node1' });
    expect(targetOfDest('ops@proxy101:2222')).toEqual({ name: 'proxy101', address: 'proxy101', user: 'ops', port: 2222 });
    expect(() => targetOfDest('-oProxyCommand=x')).toThrow(/is not an SSH destination/);
    expect(() => targetOfDest('root@10.0.0.5:70000')).toThrow(/port 70000 is not 1\.\.65535/);
  });
});
