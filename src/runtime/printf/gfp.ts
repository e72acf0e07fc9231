// %gr: GFP allocation flags by name, as bpftrace 0.26 spells them (util/gfp_flags.cpp, bit
// numbers from linux/gfp_types.h). Compound names are matched first, in the kernel's
// __def_gfpflag_names order; bits no name covers are appended in hex.

const bit = (n: number): bigint => 1n << BigInt(n);

const DMA = bit(0);
const HIGHMEM = bit(1);
const DMA32 = bit(2);
const MOVABLE = bit(3);
const HIGH = bit(5);
const IO = bit(6);
const FS = bit(7);
const ZERO = bit(8);
const DIRECT_RECLAIM = bit(10);
const KSWAPD_RECLAIM = bit(11);
const WRITE = bit(12);
const NOWARN = bit(13);
const RETRY_MAYFAIL = bit(14);
const NOFAIL = bit(15);
const NORETRY = bit(16);
const MEMALLOC = bit(17);
const COMP = bit(18);
const NOMEMALLOC = bit(19);
const HARDWALL = bit(20);
const THISNODE = bit(21);
const ACCOUNT = bit(22);
const ZEROTAGS = bit(23);
const SKIP_ZERO = bit(24);
const SKIP_KASAN = bit(25);
const NO_OBJ_EXT = bit(26);

const RECLAIM = DIRECT_RECLAIM | KSWAPD_RECLAIM;
const GFP_ATOMIC = HIGH | KSWAPD_RECLAIM;
const GFP_KERNEL = RECLAIM | IO | FS;
const GFP_KERNEL_ACCOUNT = GFP_KERNEL | ACCOUNT;
const GFP_NOWAIT = KSWAPD_RECLAIM | NOWARN;
const GFP_NOIO = RECLAIM;
const GFP_NOFS = GFP_NOIO | IO;
const GFP_USER = GFP_NOFS | FS | HARDWALL;
const GFP_HIGHUSER = GFP_USER | HIGHMEM;
const GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | MOVABLE | SKIP_KASAN;
const GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE | COMP | NOMEMALLOC | NOWARN) & ~RECLAIM;
const GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | DIRECT_RECLAIM;

const NAMES: readonly (readonly [bigint, string])[] = [
  [GFP_TRANSHUGE, 'GFP_TRANSHUGE'],
  [GFP_TRANSHUGE_LIGHT, 'GFP_TRANSHUGE_LIGHT'],
  [GFP_HIGHUSER_MOVABLE, 'GFP_HIGHUSER_MOVABLE'],
  [GFP_HIGHUSER, 'GFP_HIGHUSER'],
  [GFP_USER, 'GFP_USER'],
  [GFP_KERNEL_ACCOUNT, 'GFP_KERNEL_ACCOUNT'],
  [GFP_KERNEL, 'GFP_KERNEL'],
  [GFP_NOFS, 'GFP_NOFS'],
  [GFP_ATOMIC, 'GFP_ATOMIC'],
  [GFP_NOIO, 'GFP_NOIO'],
  [GFP_NOWAIT, 'GFP_NOWAIT'],
  [DMA, 'GFP_DMA'],
  [HIGHMEM, '__GFP_HIGHMEM'],
  [DMA32, 'GFP_DMA32'],
  [HIGH, '__GFP_HIGH'],
  [IO, '__GFP_IO'],
  [FS, '__GFP_FS'],
  [ZERO, '__GFP_ZERO'],
  [DIRECT_RECLAIM, '__GFP_DIRECT_RECLAIM'],
  [KSWAPD_RECLAIM, '__GFP_KSWAPD_RECLAIM'],
  [WRITE, '__GFP_WRITE'],
  [NOWARN, '__GFP_NOWARN'],
  [RETRY_MAYFAIL, '__GFP_RETRY_MAYFAIL'],
  [NOFAIL, '__GFP_NOFAIL'],
  [NORETRY, '__GFP_NORETRY'],
  [MEMALLOC, '__GFP_MEMALLOC'],
  [COMP, '__GFP_COMP'],
  [NOMEMALLOC, '__GFP_NOMEMALLOC'],
  [HARDWALL, '__GFP_HARDWALL'],
  [THISNODE, '__GFP_THISNODE'],
  [ACCOUNT, '__GFP_ACCOUNT'],
  [ZEROTAGS, '__GFP_ZEROTAGS'],
  [SKIP_ZERO, '__GFP_SKIP_ZERO'],
  [SKIP_KASAN, '__GFP_SKIP_KASAN'],
  [NO_OBJ_EXT, '__GFP_NO_OBJ_EXT'],
];

export function formatGfpFlags(flags: bigint): string {
  if (flags === 0n) return '0';
  const parts: string[] = [];
  let rest = flags;
  for (const [mask, name] of NAMES) {
    if ((rest & mask) === mask) {
      parts.push(name);
      rest &= ~mask;
    }
  }
  if (rest !== 0n) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}
