set -x
bpftrace --version
uname -r
grep -E '^(do_sys_open|do_sys_openat2|vfs_read|do_sys_open\.)' /sys/kernel/tracing/available_filter_functions
grep -c . /sys/kernel/tracing/available_filter_functions
ls /sys/kernel/tracing/ | head -50
cat /sys/kernel/debug/kprobes/blacklist | head -3; wc -l /sys/kernel/debug/kprobes/blacklist
bpftrace -l 'kprobe:vfs_*' | wc -l
bpftrace -l 'kprobe:vfs_*' | head -5
bpftrace -lv 'kfunc:vfs_read'
bpftrace -lv 'kretfunc:vfs_read'
bpftrace -lv 'fentry:vfs_read'
bpftrace -lv 'iter:*'
bpftrace -l 'kfunc:tcp_*' | wc -l
bpftrace -e 'kprobe:do_sys_openat2 /comm == "cat"/ { printf("open %s %s\n", probe, str(arg1)); }' -c 'cat /etc/hostname'
bpftrace -e 'kretprobe:do_sys_openat2 /comm == "cat"/ { printf("ret %d %s\n", retval, func); }' -c 'cat /etc/hostname'
bpftrace -e 'kprobe:do_sys_open { printf("%s %s\n", comm, str(arg1)); }' -c 'cat /etc/hostname'
bpftrace -e 'kfunc:vfs_read /comm == "cat"/ { printf("%s %d\n", probe, args->count); }' -c 'cat /etc/hostname'
bpftrace -e 'kretfunc:vfs_read /comm == "cat"/ { printf("%d %d\n", args->count, retval); }' -c 'cat /etc/hostname'
bpftrace -e 'iter:task { printf("%s:%d\n", ctx->task->comm, ctx->task->pid); }' | head -5
bpftrace -e 'iter:task_file { printf("%s:%d %d\n", ctx->task->comm, ctx->task->pid, ctx->fd); }' | head -5
bpftrace -e 'iter:task { @n = count(); } END { printf("end\n"); }'
bpftrace -e 'kprobe:vfs_read* { @[probe] = count(); } interval:ms:300 { exit(); }'
time bpftrace -e 'kprobe:vfs_* { @[probe] = count(); } BEGIN { exit(); }' > /dev/null
time bpftrace -e 'kfunc:tcp_* { @[probe] = count(); } BEGIN { exit(); }' > /dev/null
bpftrace -e 'kprobe:nonexistent_fn_xyz { }'
bpftrace -e 'kprobe:kprobe_dispatcher {}'
bpftrace -e 'kprobe:vfs_read+3 { @=count(); exit(); }'
bpftrace -e 'kprobe:vfs_read+0 { @=count(); exit(); }'
bpftrace -e 'kfunc:vfs_read { printf("%s\n", args->file->f_path.dentry->d_name.name); exit(); }'
