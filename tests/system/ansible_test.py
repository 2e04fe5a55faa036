#!/usr/bin/env python3
"""System test: the Ansible role (image/ansible) deploys failberry to an arm64 Debian guest.

usage: ansible_test.py ARM64_DEB

1. tests/system/debian_rootfs.sh arm64 with the .deb's Depends plus openssh-server,
   python3 and python3-apt (what Raspberry Pi OS Lite has), in its own cached layer
   (FB_ROOTFS_LAYER=root-ansible); an image of it (tests/image/mk_rpi_image.sh) with a
   key of this run in root's authorized_keys.
2. qemu-system-aarch64 -M virt (TCG) boots it with systemd; user-mode networking with
   restrict=on (the guest reaches nothing but its forwarded ports: ssh and the health port).
3. ansible-playbook (Debian's ansible-core) runs image/ansible/site.yml against the guest:
   - --check on the fresh guest: changes reported, nothing failed, and nothing changed on
     the guest (no package, no config);
   - apply: the .deb installed with apt, the secret file root:root 0600, failberry.ini as
     templated (checked by failberryd --check-config), failberryd enabled and running,
     /health and /status answering through the forwarded port; the new package
     restarts failberryd and no reload follows the restart;
   - apply again: "changed=0" (idempotent);
   - a changed setting: only the config task and the reload handler change; failberryd
     reloads (its journal says "reloaded: ...") with the same pid;
   - a bad setting: the play fails at the config task with failberryd's own message,
     and the file on the guest is the previous one, the daemon still running.
   Also: the example inventory (image/ansible/inventory.example.yml) renders, for each of
   its hosts, an INI that failberryd --check-config on this host accepts.
Prints PASS/FAIL lines, timings, "N passed, N failed".
Exit 0 all passed, 1 a failure, 77 skipped (SKIPPED: reason on stderr).
Env: FB_BOOT_VERBOSE=1 prints ansible's output in full.
"""
import json, os, re, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import boot_image_test as boot  # noqa: E402  (check, run, free_port, http_get, finish)

check = boot.check
GUEST_PACKAGES = ["openssh-server", "python3", "python3-apt"]
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def skip(why):
    print(f"SKIPPED: {why}", file=sys.stderr)
    sys.exit(77)


def recap(out):
    """{'ok','changed','unreachable','failed'} of the one host in a play recap, or None."""
    m = RECAP.findall(out)
    if len(m) != 1:
        return None
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, m[0][1:])))


def task_results(out):
    """[(task name, 'ok'|'changed'|'failed'|'skipping'|...)] in the order ansible printed them."""
    found, task = [], None
    for line in out.splitlines():
        m = re.match(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \**$", line)
        if m:
            task = m.group(1)
            continue
        m = re.match(r"^(ok|changed|failed|fatal|skipping): \[", line)
        if m and task:
            found.append((task, m.group(1)))
    return found


def changed_tasks(out):
    names = []
    for task, result in task_results(out):
        if result == "changed" and task not in names:
            names.append(task)
    return names


def failed_task(out):
    return next((task for task, result in task_results(out) if result in ("failed", "fatal")), "")


def get(port, path):
    """(HTTP status, body), or (None, what went wrong)."""
    try:
        return boot.http_get(port, path)
    except (OSError, ValueError) as e:
        return None, repr(e)


def guest_config(status_port):
    """The role's variables for the QEMU guest: its wired uplink is slirp's network."""
    return {
        "general": {},
        "modem": {"apn": "internet", "pin_file": "/etc/failberry/sim.pin"},
        "uplink.wired": {"interface": "eth0", "gateway": "10.0.2.2", "priority": 20, "serve_status": True},
        "uplink.cellular": {"interface": "ppp0", "kind": "ppp", "priority": 10, "metered": True},
        "health": {"port": status_port, "status_allow": ["127.0.0.0/8", "10.0.2.2/32"]},
    }


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    deb = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        skip("needs root (debootstrap, chroot)")
    if not os.path.isfile(deb):
        skip(f"{deb} not built (cmake --build build-arm64 --target deb; tests/run_all.sh does)")
    qemu = shutil.which("qemu-system-aarch64")
    if not qemu:
        skip("qemu-system-aarch64 not installed (package qemu-system-arm)")
    playbook = shutil.which("ansible-playbook")
    if not playbook:
        skip("ansible-playbook not installed (package ansible-core; tests/setup_deps.sh installs it)")
    verbose = os.environ.get("FB_BOOT_VERBOSE") == "1"
    times = {}

    t = time.monotonic()
    found = boot.arm64_root(deb, GUEST_PACKAGES, layer="root-ansible")
    if not found:
        return 1
    root, kernel, initrd = found
    times["rootfs (cache hit or build)"] = time.monotonic() - t

    with tempfile.TemporaryDirectory(prefix="fb-ansible.") as w:
        t = time.monotonic()
        key = os.path.join(w, "id_ed25519")
        boot.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "failberry-ansible-test", "-f", key])
        used_mib = int(boot.run(["du", "-sm", "--exclude=./proc", root], capture_output=True).stdout.split()[0])
        image = os.path.join(w, "guest.img")
        boot.run([os.path.join(SRC, "tests/image/mk_rpi_image.sh"), image, root, "64", str(used_mib + 200)],
                 stderr=subprocess.DEVNULL)
        p2 = (8192 + 64 * 2048) * 512
        boot.run(["debugfs", "-w", "-f", "-", f"{image}?offset={p2}"], capture_output=True, input=(
            "mkdir /root/.ssh\n"
            "sif /root/.ssh mode 040700\n"
            f"write {key}.pub /root/.ssh/authorized_keys\n"
            "sif /root/.ssh/authorized_keys mode 0100600\n"))
        times["image built"] = time.monotonic() - t

        ssh_port, status_port = boot.free_port(), boot.free_port()
        cmd = [qemu, "-M", "virt", "-cpu", "cortex-a53", "-m", "1024", "-smp", "2", "-accel", "tcg",
               "-nographic", "-no-reboot", "-kernel", kernel, "-initrd", initrd,
               "-append", "root=/dev/vda2 rootfstype=ext4 rw console=ttyAMA0 net.ifnames=0 panic=-1",
               "-drive", f"file={image},if=none,format=raw,id=d0", "-device", "virtio-blk-pci,drive=d0",
               "-netdev", f"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{ssh_port}-:22,"
                          f"hostfwd=tcp:127.0.0.1:{status_port}-:9000",
               "-device", "virtio-net-pci,netdev=n0"]
        console = open(os.path.join(w, "console.log"), "wb")
        q = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT)
        ssh = ["ssh", "-i", key, "-p", str(ssh_port), "-o", "StrictHostKeyChecking=no",
               "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
               "-o", "BatchMode=yes", "root@127.0.0.1"]

        def guest(command, timeout=60):
            p = subprocess.run(ssh + [command], text=True, capture_output=True, timeout=timeout)
            return p.returncode, p.stdout

        try:
            t = time.monotonic()
            deadline, up = t + 600, False
            while not up and time.monotonic() < deadline and q.poll() is None:
                try:
                    up = guest("systemctl is-system-running --wait > /dev/null; true", timeout=120)[0] == 0
                except subprocess.TimeoutExpired:
                    pass
            with open(os.path.join(w, "console.log"), errors="replace") as f:
                tail = "".join(f.readlines()[-25:])
            check("the guest booted and answers ssh", up, "" if up else f"console tail:\n{tail}")
            if not up:
                return 1
            times["boot to ssh"] = time.monotonic() - t
            guest_arch = guest("dpkg --print-architecture")[1].strip()
            check("the guest is arm64 Debian 12 without failberry",
                  guest_arch == "arm64" and guest("dpkg-query -W failberry")[0] != 0, guest_arch)

            inv = os.path.join(w, "inventory.json")
            values = {"failberry_deb": deb, "failberry_config": guest_config(9000),
                      "failberry_secrets": [{"path": "/etc/failberry/sim.pin", "content": "1234\n"}]}
            with open(inv, "w") as f:
                json.dump({"failberry": {"hosts": {"pi-test": {
                    "ansible_host": "127.0.0.1", "ansible_port": ssh_port, "ansible_user": "root",
                    "ansible_become": False, "ansible_ssh_private_key_file": key,
                    "ansible_python_interpreter": "/usr/bin/python3"}}, "vars": values}}, f)
            with open(os.path.join(w, "ansible.cfg"), "w") as f:
                f.write("[defaults]\nhost_key_checking = False\nretry_files_enabled = False\n"
                        f"roles_path = {SRC}/image/ansible/roles\nstdout_callback = default\n"
                        "[ssh_connection]\npipelining = True\n"
                        "ssh_args = -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ControlMaster=auto "
                        "-o ControlPersist=120s\n")
            env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(w, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                       ANSIBLE_FORCE_COLOR="0", ANSIBLE_LOCAL_TEMP=os.path.join(w, "tmp"))

            def play(name, *extra):
                t0 = time.monotonic()
                p = subprocess.run([playbook, "-i", inv, os.path.join(SRC, "image/ansible/site.yml"), *extra],
                                   text=True, capture_output=True, env=env, timeout=900)
                times[f"ansible-playbook {name}"] = time.monotonic() - t0
                out = p.stdout + p.stderr
                if verbose:
                    print("".join("    | " + l + "\n" for l in out.splitlines()), end="")
                return p.returncode, out, recap(out)

            def show(out):
                return "\n" + "".join("    | " + l + "\n" for l in out.splitlines()[-40:])

            # 1. --check on a fresh guest
            rc, out, rec = play("--check (fresh)", "--check")
            check("--check on the fresh guest: exit 0, changes reported, none failed",
                  rc == 0 and rec and rec["failed"] == 0 and rec["changed"] > 0, f"exit {rc} {rec}{show(out)}")
            check("--check changed nothing on the guest (no package, no config, no secret)",
                  guest("dpkg-query -W failberry; ls /etc/failberry /var/cache/failberry-deploy")[0] != 0
                  and guest("test -e /etc/failberry")[0] != 0)

            # 2. apply
            rc, out, rec = play("apply")
            check("apply: exit 0, changes made, none failed",
                  rc == 0 and rec and rec["failed"] == 0 and rec["changed"] > 0, f"exit {rc} {rec}{show(out)}")
            names = changed_tasks(out)
            check("apply: the new package restarts failberryd, and no reload follows the restart",
                  "failberry : Restart failberryd" in names and "failberry : Reload failberryd" not in names,
                  f"{names}{show(out)}")
            st = guest("dpkg-query -W -f='${Status} ${Version}' failberry")[1]
            want = boot.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True).stdout.strip()
            check(f"the package is installed ({st})", st == f"install ok installed {want}")
            check("the secret file is root:root 0600 with its content",
                  guest("stat -c '%a %U:%G' /etc/failberry/sim.pin; cat /etc/failberry/sim.pin")[1]
                  == "600 root:root\n1234\n")
            ini = guest("cat /etc/failberry/failberry.ini")[1]
            check("failberry.ini is the role's template (Ansible managed, the guest's gateway, lists joined)",
                  "Ansible managed" in ini and "[uplink.wired]\ninterface = eth0\ngateway = 10.0.2.2" in ini
                  and "serve_status = true" in ini and "status_allow = 127.0.0.0/8, 10.0.2.2/32" in ini,
                  "\n" + ini)
            state = guest("systemctl is-enabled failberryd; systemctl is-active failberryd")[1].split()
            check("failberryd.service enabled and active", state == ["enabled", "active"], str(state))
            status, body = get(status_port, "/health")
            check("/health answers through the forwarded port", status in (200, 503), f"HTTP {status} {body}")
            status, body = get(status_port, "/status")
            names = sorted(u.get("name", "?") for u in json.loads(body).get("uplinks", [])) if status == 200 else []
            check("/status names the templated uplinks", names == ["cellular", "wired"], f"HTTP {status} {names}")

            # 3. idempotent
            rc, out, rec = play("apply again")
            check("apply again: changed=0, none failed (idempotent)",
                  rc == 0 and rec is not None and (rec["changed"], rec["unreachable"], rec["failed"]) == (0, 0, 0),
                  f"exit {rc} {rec}{show(out)}")
            # 4. a changed setting: the handler reloads the daemon
            reloads = guest("journalctl -u failberryd -o cat | grep -c 'reloaded: '")[1].strip()
            pid = guest("systemctl show -p MainPID --value failberryd")[1].strip()
            changed = guest_config(9000)
            changed["uplink.wired"]["probe_interval"] = "7s"
            with open(os.path.join(w, "changed.json"), "w") as f:
                json.dump({"failberry_config": changed}, f)
            rc, out, rec = play("changed setting", "-e", "@" + os.path.join(w, "changed.json"))
            names = changed_tasks(out)
            check("a changed setting: exit 0, only the config task and the reload handler changed",
                  rc == 0 and rec and rec["failed"] == 0 and rec["changed"] == 2 and names ==
                  ["failberry : Write failberry.ini (checked by failberryd --check-config first)",
                   "failberry : Reload failberryd"], f"exit {rc} {rec} {names}{show(out)}")
            after = ""
            for _ in range(50):
                after = guest("journalctl -u failberryd -o cat | grep -c 'reloaded: '")[1].strip()
                if after != reloads:
                    break
                time.sleep(0.2)
            check("failberryd reloaded the new file (journal 'reloaded: ' lines %s -> %s), same pid" %
                  (reloads, after), after.isdigit() and reloads.isdigit() and int(after) == int(reloads) + 1 and
                  guest("systemctl show -p MainPID --value failberryd")[1].strip() == pid)

            # 5. a bad setting: refused on the host, the running file kept
            before = guest("sha256sum /etc/failberry/failberry.ini")[1]
            bad = guest_config(9000)
            bad["uplink.wired"]["gateway"] = "10.0.2.300"
            with open(os.path.join(w, "bad.json"), "w") as f:
                json.dump({"failberry_config": bad}, f)
            rc, out, rec = play("bad setting", "-e", "@" + os.path.join(w, "bad.json"))
            check("a bad setting fails the play at the config task with failberryd's message",
                  rc != 0 and rec and rec["failed"] == 1 and "failed to validate" in out
                  and "10.0.2.300" in out and "failberry : Write failberry.ini" in failed_task(out),
                  f"exit {rc} {rec}{show(out)}")
            check("the file on the guest is the previous one, failberryd still active",
                  guest("sha256sum /etc/failberry/failberry.ini")[1] == before
                  and guest("systemctl is-active failberryd")[1].strip() == "active")
        finally:
            q.kill()
            q.wait()
            console.close()

        # The example inventory renders to INIs failberryd accepts (secrets stood in for).
        t = time.monotonic()
        example_ok, detail = example_inventory(w, env)
        check("image/ansible/inventory.example.yml renders a valid INI for each host", example_ok, detail)
        times["example inventory"] = time.monotonic() - t
    return boot.finish(times)


def example_inventory(w, env):
    daemon = os.environ.get("FB_FAILBERRYD") or os.path.join(SRC, "build", "firmware", "failberryd")
    if not os.access(daemon, os.X_OK):
        return False, f"no host failberryd at {daemon} (FB_FAILBERRYD)"
    out = os.path.join(w, "example")
    os.makedirs(out)
    secrets = os.path.join(w, "example-secrets")
    os.makedirs(secrets, mode=0o700)
    inv = os.path.join(SRC, "image/ansible/inventory.example.yml")
    hosts = json.loads(boot.run(["ansible-inventory", "-i", inv, "--list"], capture_output=True, env=env).stdout)
    names = hosts.get("failberry", {}).get("hosts", [])
    if not names:
        return False, "no hosts in the failberry group"
    problems = []
    for h in names:
        dest = os.path.join(out, h + ".ini")
        p = subprocess.run(["ansible", h, "-i", inv, "-c", "local", "-m", "ansible.builtin.template",
                            "-a", f"src={SRC}/image/ansible/roles/failberry/templates/failberry.ini.j2 dest={dest}",
                            "-e", "vault_sim_pin=1234 vault_aws_credentials=x"],
                           text=True, capture_output=True, env=env)
        if p.returncode != 0:
            problems.append(f"{h}: template: {p.stdout[-400:]}")
            continue
        with open(dest) as f:
            text = f.read()
        for path in sorted(set(re.findall(r"= (/etc/failberry/\S+)", text))):
            stand_in = os.path.join(secrets, os.path.basename(path))
            with open(os.open(stand_in, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
                f.write("aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"
                        if "credentials" in path else "1234\n")
            text = text.replace("= " + path, "= " + stand_in)
        with open(dest, "w") as f:
            f.write(text)
        c = subprocess.run([daemon, "--check-config", dest], text=True, capture_output=True)
        if c.returncode != 0:
            problems.append(f"{h}: {c.stdout}{c.stderr}")
    return not problems, "; ".join(problems) or f"{len(names)} hosts"


if __name__ == "__main__":
    sys.exit(main())
