process.stdout.write('bpftrace-ts: not yet\n');
