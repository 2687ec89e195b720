import { describe, expect, it } from 'vitest';
import { type KeyPress, shortcutFor } from './shortcuts';

const press = (key: string, more: Partial<KeyPress> = {}): KeyPress =>
  ({ key, ctrlKey: false, altKey: false, metaKey: false, editing: false, ...more });

describe('keyboard shortcuts', () => {
  it('picks the window preset of a digit’s place in the menu', () => {
    expect(shortcutFor(press('1'), false)).toEqual({ kind: 'preset', value: 0 });
    expect(shortcutFor(press('9'), true)).toEqual({ kind: 'preset', value: 8 });
    expect(shortcutFor(press('0'), false)).toBeNull();
  });
  it('inverts, fits, resets and plays cine, in either case', () => {
    expect(['i', 'F', 'r', 'C'].map((k) => shortcutFor(press(k), false)?.kind)).toEqual(['invert', 'fit', 'reset', 'cine']);
  });
  it('has no cine in MPR', () => {
    expect(shortcutFor(press('c'), true)).toBeNull();
    expect(shortcutFor(press('i'), true)).toEqual({ kind: 'invert' });
  });
  it('leaves typing and the browser’s own shortcuts alone', () => {
    expect(shortcutFor(press('r', { ctrlKey: true }), false)).toBeNull();
    expect(shortcutFor(press('1', { metaKey: true }), false)).toBeNull();
    expect(shortcutFor(press('f', { altKey: true }), false)).toBeNull();
    expect(shortcutFor(press('i', { editing: true }), false)).toBeNull();
    expect(shortcutFor(press('x'), false)).toBeNull();
    expect(shortcutFor(press('ArrowDown'), false)).toBeNull();
  });
});
