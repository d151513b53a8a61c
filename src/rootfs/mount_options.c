/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.md "Linux mount options" -> mount_setattr(2) attributes, mount(2)
 * flags and the filesystem-specific data string.  Unknown options are
 * filesystem-specific and passed through, as the spec says.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "rootfs/internal.h"
#include "util/cleanup.h"

enum opt_kind {
	OPT_ATTR,	/* mount attribute on the top mount */
	OPT_RATTR,	/* the same, recursively (AT_RECURSIVE) */
	OPT_PROPAGATION,
	OPT_SB_FLAG,	/* superblock flag: fsconfig flag / mount(2) flag */
	OPT_LEGACY,	/* only mount(2) knows it */
	OPT_NOOP,
	OPT_BIND,
	OPT_RBIND,
	OPT_REMOUNT,
	OPT_IDMAP,
	OPT_RIDMAP,
	OPT_TMPCOPYUP,
};

struct opt_def {
	const char *name;
	enum opt_kind kind;
	bool clear;		/* clears the attribute instead of setting it */
	uint64_t attr;		/* MOUNT_ATTR_* or MS_* propagation */
	unsigned long ms;	/* mount(2) flag for the legacy path */
	bool recursive;		/* propagation: the r-prefixed form */
};

static const struct opt_def opt_defs[] = {
	{ "defaults", OPT_NOOP, false, 0, 0, false },
	{ "rw", OPT_ATTR, true, MOUNT_ATTR_RDONLY, 0, false },
	{ "ro", OPT_ATTR, false, MOUNT_ATTR_RDONLY, MS_RDONLY, false },
	{ "suid", OPT_ATTR, true, MOUNT_ATTR_NOSUID, 0, false },
	{ "nosuid", OPT_ATTR, false, MOUNT_ATTR_NOSUID, MS_NOSUID, false },
	{ "dev", OPT_ATTR, true, MOUNT_ATTR_NODEV, 0, false },
	{ "nodev", OPT_ATTR, false, MOUNT_ATTR_NODEV, MS_NODEV, false },
	{ "exec", OPT_ATTR, true, MOUNT_ATTR_NOEXEC, 0, false },
	{ "noexec", OPT_ATTR, false, MOUNT_ATTR_NOEXEC, MS_NOEXEC, false },
	{ "diratime", OPT_ATTR, true, MOUNT_ATTR_NODIRATIME, 0, false },
	{ "nodiratime", OPT_ATTR, false, MOUNT_ATTR_NODIRATIME, MS_NODIRATIME,
	  false },
	{ "symfollow", OPT_ATTR, true, MOUNT_ATTR_NOSYMFOLLOW, 0, false },
	{ "nosymfollow", OPT_ATTR, false, MOUNT_ATTR_NOSYMFOLLOW, 0, false },
	/* atime is a 3-way field: "clear" below means "set this value" */
	{ "atime", OPT_ATTR, true, MOUNT_ATTR__ATIME, 0, false },
	{ "relatime", OPT_ATTR, true, MOUNT_ATTR__ATIME, MS_RELATIME, false },
	{ "norelatime", OPT_NOOP, false, 0, 0, false },
	{ "noatime", OPT_ATTR, false, MOUNT_ATTR_NOATIME, MS_NOATIME, false },
	{ "strictatime", OPT_ATTR, false, MOUNT_ATTR_STRICTATIME,
	  MS_STRICTATIME, false },
	{ "nostrictatime", OPT_ATTR, true, MOUNT_ATTR__ATIME, 0, false },

	{ "rrw", OPT_RATTR, true, MOUNT_ATTR_RDONLY, 0, false },
	{ "rro", OPT_RATTR, false, MOUNT_ATTR_RDONLY, 0, false },
	{ "rsuid", OPT_RATTR, true, MOUNT_ATTR_NOSUID, 0, false },
	{ "rnosuid", OPT_RATTR, false, MOUNT_ATTR_NOSUID, 0, false },
	{ "rdev", OPT_RATTR, true, MOUNT_ATTR_NODEV, 0, false },
	{ "rnodev", OPT_RATTR, false, MOUNT_ATTR_NODEV, 0, false },
	{ "rexec", OPT_RATTR, true, MOUNT_ATTR_NOEXEC, 0, false },
	{ "rnoexec", OPT_RATTR, false, MOUNT_ATTR_NOEXEC, 0, false },
	{ "rdiratime", OPT_RATTR, true, MOUNT_ATTR_NODIRATIME, 0, false },
	{ "rnodiratime", OPT_RATTR, false, MOUNT_ATTR_NODIRATIME, 0, false },
	{ "rsymfollow", OPT_RATTR, true, MOUNT_ATTR_NOSYMFOLLOW, 0, false },
	{ "rnosymfollow", OPT_RATTR, false, MOUNT_ATTR_NOSYMFOLLOW, 0, false },
	{ "ratime", OPT_RATTR, true, MOUNT_ATTR__ATIME, 0, false },
	{ "rrelatime", OPT_RATTR, true, MOUNT_ATTR__ATIME, 0, false },
	{ "rnorelatime", OPT_NOOP, false, 0, 0, false },
	{ "rnoatime", OPT_RATTR, false, MOUNT_ATTR_NOATIME, 0, false },
	{ "rstrictatime", OPT_RATTR, false, MOUNT_ATTR_STRICTATIME, 0, false },
	{ "rnostrictatime", OPT_RATTR, true, MOUNT_ATTR__ATIME, 0, false },

	{ "private", OPT_PROPAGATION, false, MS_PRIVATE, 0, false },
	{ "rprivate", OPT_PROPAGATION, false, MS_PRIVATE, 0, true },
	{ "shared", OPT_PROPAGATION, false, MS_SHARED, 0, false },
	{ "rshared", OPT_PROPAGATION, false, MS_SHARED, 0, true },
	{ "slave", OPT_PROPAGATION, false, MS_SLAVE, 0, false },
	{ "rslave", OPT_PROPAGATION, false, MS_SLAVE, 0, true },
	{ "unbindable", OPT_PROPAGATION, false, MS_UNBINDABLE, 0, false },
	{ "runbindable", OPT_PROPAGATION, false, MS_UNBINDABLE, 0, true },

	{ "sync", OPT_SB_FLAG, false, 0, MS_SYNCHRONOUS, false },
	{ "async", OPT_NOOP, false, 0, 0, false },
	{ "dirsync", OPT_SB_FLAG, false, 0, MS_DIRSYNC, false },
	{ "lazytime", OPT_SB_FLAG, false, 0, MS_LAZYTIME, false },
	{ "nolazytime", OPT_NOOP, false, 0, 0, false },
	{ "mand", OPT_SB_FLAG, false, 0, MS_MANDLOCK, false },
	{ "nomand", OPT_NOOP, false, 0, 0, false },
	{ "silent", OPT_LEGACY, false, 0, MS_SILENT, false },
	{ "loud", OPT_NOOP, false, 0, 0, false },
	{ "iversion", OPT_LEGACY, false, 0, MS_I_VERSION, false },
	{ "noiversion", OPT_NOOP, false, 0, 0, false },

	{ "bind", OPT_BIND, false, 0, 0, false },
	{ "rbind", OPT_RBIND, false, 0, 0, false },
	{ "remount", OPT_REMOUNT, false, 0, 0, false },
	{ "idmap", OPT_IDMAP, false, 0, 0, false },
	{ "ridmap", OPT_RIDMAP, false, 0, 0, false },
	{ "tmpcopyup", OPT_TMPCOPYUP, false, 0, 0, false },
};

static const struct opt_def *opt_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++)
		if (strcmp(opt_defs[i].name, name) == 0)
			return &opt_defs[i];
	return NULL;
}

static void attr_apply(uint64_t *set, uint64_t *clr, const struct opt_def *d)
{
	if (d->attr & MOUNT_ATTR__ATIME) {
		/* atime options replace the whole atime field */
		*clr |= MOUNT_ATTR__ATIME;
		*set &= ~(uint64_t)MOUNT_ATTR__ATIME;
		if (!d->clear)
			*set |= d->attr;
		return;
	}
	if (d->clear) {
		*set &= ~d->attr;
		*clr |= d->attr;
	} else {
		*set |= d->attr;
		*clr &= ~d->attr;
	}
}

static int data_append(char **data, const char *opt)
{
	char *nd;

	if (!*data) {
		*data = strdup(opt);
		return *data ? 0 : -ENOMEM;
	}
	if (asprintf(&nd, "%s,%s", *data, opt) < 0)
		return -ENOMEM;
	free(*data);
	*data = nd;
	return 0;
}

int mount_opts_parse(char *const *options, struct mount_opts *o,
		     calyx_error **err)
{
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; options && options[i]; i++) {
		const struct opt_def *d = opt_lookup(options[i]);
		int r = 0;

		if (!d) {
			r = data_append(&o->data, options[i]);
			if (r < 0)
				goto oom;
			continue;
		}
		switch (d->kind) {
		case OPT_ATTR:
			attr_apply(&o->attr_set, &o->attr_clr, d);
			if (d->clear)
				o->ms_set &= ~d->ms;
			else
				o->ms_set |= d->ms;
			break;
		case OPT_RATTR:
			attr_apply(&o->rattr_set, &o->rattr_clr, d);
			break;
		case OPT_PROPAGATION:
			o->propagation = d->attr;
			o->propagation_rec = d->recursive;
			break;
		case OPT_SB_FLAG:
			o->ms_set |= d->ms;
			r = calyx_strv_push(&o->sb_flags, d->name);
			break;
		case OPT_LEGACY:
			o->ms_set |= d->ms;
			o->legacy_only = true;
			break;
		case OPT_NOOP:
			break;
		case OPT_BIND:
			o->bind = true;
			break;
		case OPT_RBIND:
			o->bind = o->rbind = true;
			break;
		case OPT_REMOUNT:
			o->remount = true;
			break;
		case OPT_IDMAP:
			o->idmap = true;
			break;
		case OPT_RIDMAP:
			o->idmap = o->ridmap = true;
			break;
		case OPT_TMPCOPYUP:
			o->tmpcopyup = true;
			break;
		}
		if (r < 0)
			goto oom;
	}
	return 0;
oom:
	mount_opts_free(o);
	return calyx_error_set(err, ENOMEM, "parsing mount options");
}

void mount_opts_free(struct mount_opts *o)
{
	cleanup_strvp(&o->sb_flags);
	o->sb_flags = NULL;
	free(o->data);
	o->data = NULL;
}
