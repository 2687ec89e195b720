// Linked scrolling of viewports (a study beside its prior): when one viewport moves, the
// others go to the slice at the same place in the patient, kept at the offset they had when
// the link was made (two studies rarely share a table position). Stacks without geometry, or
// in another plane, follow by the same fraction of the stack instead.
import { nearestSlice } from './series';

export interface LinkedStack {
  count: number;
  geometry: { normal: number[]; positions: number[] } | null;
  current: () => number;
  go: (index: number) => void;
}

function parallel(a: number[], b: number[]): boolean {
  return Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) > 0.9;
}

export class SliceLink {
  private stacks = new Map<string, LinkedStack>();
  private offsets = new Map<string, number>(); // mm to add to the leader's position, per follower
  private enabled = false;
  private moving = false;

  register(id: string, stack: LinkedStack): () => void {
    this.stacks.set(id, stack);
    if (this.enabled) this.capture();
    return () => {
      this.stacks.delete(id);
      this.offsets.delete(id);
    };
  }

  setEnabled(on: boolean): void {
    this.enabled = on;
    if (on) this.capture();
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  // Remembers where each stack is relative to the others: their offsets from a common origin.
  private capture(): void {
    this.offsets.clear();
    for (const [id, s] of this.stacks) {
      if (s.geometry) this.offsets.set(id, s.geometry.positions[s.current()] ?? 0);
    }
  }

  // The stack `id` moved to `index`: the others follow.
  moved(id: string, index: number): void {
    if (!this.enabled || this.moving) return;
    const leader = this.stacks.get(id);
    if (!leader) return;
    this.moving = true;
    try {
      for (const [otherId, other] of this.stacks) {
        if (otherId === id) continue;
        const target = followIndex(leader, this.offsets.get(id), index, other, this.offsets.get(otherId));
        if (target !== other.current()) other.go(target);
      }
    } finally {
      this.moving = false;
    }
  }
}

export function followIndex(leader: LinkedStack, leaderOrigin: number | undefined, index: number,
  follower: LinkedStack, followerOrigin: number | undefined): number {
  const lg = leader.geometry, fg = follower.geometry;
  if (lg && fg && leaderOrigin !== undefined && followerOrigin !== undefined && parallel(lg.normal, fg.normal)) {
    const sign = lg.normal[0] * fg.normal[0] + lg.normal[1] * fg.normal[1] + lg.normal[2] * fg.normal[2] > 0 ? 1 : -1;
    const moved = lg.positions[index] - leaderOrigin;
    return nearestSlice(fg.positions, followerOrigin + sign * moved);
  }
  if (leader.count <= 1 || follower.count <= 1) return 0;
  return Math.round((index / (leader.count - 1)) * (follower.count - 1));
}
