#!/bin/bash
# Configures the systemd tier's guest (the debootstrapped Debian in $1) for
# a quick, unattended boot: the host's root and the job dir over 9p, the
# test service that runs guest.sh and powers off, nothing else that waits.
# run-systemd.sh rebuilds the image whenever this file changes.
set -euo pipefail
root=$1

mkdir -p "$root/host" "$root/job"
cat > "$root/etc/fstab" <<'FSTAB'
/dev/vda / ext4 rw,noatime 0 1
# the host's root (cached: exec over uncached 9p is slow) and the job dir
# the host follows while the guest writes (uncached); both after udev's
# coldplug has bound 9pnet_virtio to the virtio 9p devices: mounted before
# that, the kernel answers "no channels available for device hostroot"
hostroot /host 9p trans=virtio,version=9p2000.L,msize=512000,cache=loose,x-systemd.requires=systemd-udev-settle.service 0 0
calyxjob /job 9p trans=virtio,version=9p2000.L,msize=512000,x-systemd.requires=systemd-udev-settle.service 0 0
FSTAB
echo calyx-vm > "$root/etc/hostname"
# the 9p modules are loaded by mount(8) on demand; load them early anyway
printf '%s\n' 9p 9pnet_virtio > "$root/etc/modules-load.d/9p.conf"

# a boot that fails (a mount, say) must not sit in emergency mode until
# the host's timeout: say why on the console and power off; the host
# boots once more when it sees this line
for unit in emergency rescue; do
	mkdir -p "$root/etc/systemd/system/$unit.service.d"
	cat > "$root/etc/systemd/system/$unit.service.d/calyx-vm.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStart=
ExecStart=/bin/sh -c 'echo "calyx-vm: emergency mode: failed: $$(systemctl --failed --plain --no-legend | cut -d" " -f1 | tr "\n" " ")" > /dev/console; echo o > /proc/sysrq-trigger'
UNIT
done

cat > "$root/etc/systemd/system/calyx-vm-test.service" <<'UNIT'
[Unit]
Description=calyx systemd tier tests
Requires=dbus.socket host.mount job.mount
After=dbus.socket dbus.service host.mount job.mount systemd-udev-settle.service

[Service]
Type=oneshot
# the guest script's path (below /host) is on the kernel command line
ExecStart=/bin/sh -c 'exec /bin/bash "$(tr " " "\\n" < /proc/cmdline | sed -n "s/^calyx_guest=//p")" /job'
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sfn /etc/systemd/system/calyx-vm-test.service \
	"$root/etc/systemd/system/multi-user.target.wants/calyx-vm-test.service"
ln -sfn /lib/systemd/system/multi-user.target "$root/etc/systemd/system/default.target"

# nothing else to wait for: no logins, no timers, no network; and none of
# the engines' own daemons (the engine tests start private ones)
for unit in getty@tty1.service serial-getty@ttyS0.service console-getty.service \
	apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
	e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer \
	systemd-networkd.service systemd-networkd-wait-online.service \
	systemd-timesyncd.service systemd-resolved.service \
	containerd.service docker.service docker.socket podman.socket \
	podman-restart.service podman-auto-update.timer podman-auto-update.service \
	podman.service podman-clean-transient.service apparmor.service; do
	ln -sfn /dev/null "$root/etc/systemd/system/$unit"
done
# root without a password is fine: nothing listens
sed -i 's/^root:[^:]*:/root::/' "$root/etc/shadow"
