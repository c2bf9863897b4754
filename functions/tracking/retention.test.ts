import { describe, expect, it } from 'vitest';
import { expiredPartitions, hourKey, packedPartition, partitionOf, resolveMode, retainedSince, rideTracePartitions, TIMELINE_SHARDS, timelinePartition, TRACE_SHARDS, traceShard, trimGate } from './retention.js';

const at = (iso: string) => new Date(iso);

describe('tracking retention', () => {
  it('auto picks trim on a server that reports a FerretDB version, index elsewhere; an explicit mode wins', () => {
    expect(resolveMode('auto', { ferretdbVersion: 'v1.24.2' })).toBe('trim');
    expect(resolveMode('auto', {})).toBe('index');
    expect(resolveMode('index', { ferretdbVersion: 'v1.24.2' })).toBe('index');
    expect(resolveMode('trim', {})).toBe('trim');
  });

  it('puts a ride’s samples in its shard of the hour and other samples in the hour’s', () => {
    expect(hourKey(at('2026-12-03T09:59:59.999Z'))).toBe('2026120309');
    const shard = traceShard('r-1');
    expect(shard).toMatch(/^\d\d$/);
    expect(partitionOf({ rideId: 'r-1', at: at('2026-12-03T09:10:00Z') })).toBe(`trace.2026120309.${shard}`);
    expect(partitionOf({ rideId: null, at: at('2026-12-03T10:00:00Z') })).toBe('locations.2026120310');
  });

  it('spreads rides over every shard, a ride always to the same one', () => {
    const shards = new Set(Array.from({ length: 2000 }, (_, i) => traceShard(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)));
    expect(shards.size).toBe(TRACE_SHARDS);
    expect(traceShard('a$b')).toBe(traceShard('a$b'));
  });

  it('reads every hour a ride touched, and only those', () => {
    const s = traceShard('r');
    expect(rideTracePartitions('r', at('2026-12-03T09:50:00Z'), at('2026-12-03T11:00:00Z'))).toEqual([
      `trace.2026120309.${s}`,
      `trace.2026120310.${s}`,
      `trace.2026120311.${s}`,
    ]);
    expect(rideTracePartitions('r', at('2026-12-03T09:10:00Z'), at('2026-12-03T09:40:00Z'))).toEqual([`trace.2026120309.${s}`]);
  });

  it('expires a partition once its whole hour is older than the window, and names nothing else', () => {
    const names = ['trace.2026120300.07', 'locations.2026120300', 'trace.2026120301.07', 'locations.2026120301', 'timeline', 'locations', 'trace.note'];
    // Window 2 h at 03:00: hour 00 ended at 01:00 = the cutoff, so it goes; hour 01 ends at 02:00, after the cutoff.
    expect(expiredPartitions(names, at('2026-12-03T03:00:00Z'), 2)).toEqual(['trace.2026120300.07', 'locations.2026120300']);
    expect(expiredPartitions(names, at('2026-12-03T02:59:59Z'), 2)).toEqual([]);
    expect(expiredPartitions(names, at('2026-12-10T02:00:00Z'), 168)).toEqual(['trace.2026120300.07', 'locations.2026120300', 'trace.2026120301.07', 'locations.2026120301']);
  });

  it('puts an ended ride’s packed trace in its shard of the day it ended, and its timeline in one of TIMELINE_SHARDS', () => {
    const shard = traceShard('r-1');
    expect(packedPartition('r-1', at('2026-12-03T23:59:59.999Z'))).toBe(`packed.20261203.${shard}`);
    expect(packedPartition('r-1', at('2026-12-04T00:00:00Z'))).toBe(`packed.20261204.${shard}`);
    expect(timelinePartition('r-1')).toMatch(/^timeline\.\d{4}$/);
    expect(timelinePartition('r-1')).toBe(timelinePartition('r-1'));
    const shards = new Set(Array.from({ length: 20_000 }, (_, i) => timelinePartition(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)));
    expect(shards.size).toBe(TIMELINE_SHARDS);
  });

  it('expires a packed partition once its whole day is older than the window, never a timeline shard', () => {
    const names = ['packed.20261203.07', 'packed.20261204.07', 'timeline.0007', 'timeline', 'packed.note'];
    // Window 2 h: the day of the 3rd ended at 00:00 on the 4th, so it goes at 02:00 on the 4th.
    expect(expiredPartitions(names, at('2026-12-04T01:59:59Z'), 2)).toEqual([]);
    expect(expiredPartitions(names, at('2026-12-04T02:00:00Z'), 2)).toEqual(['packed.20261203.07']);
    expect(expiredPartitions(names, at('2027-01-01T00:00:00Z'), 168)).toEqual(['packed.20261203.07', 'packed.20261204.07']);
  });

  it('reads no partition the trim may already have dropped', () => {
    expect(retainedSince(at('2026-12-03T12:00:00Z'), 2)).toEqual(at('2026-12-03T09:00:00Z'));
  });

  it('lets a trim through at most once per interval', () => {
    const due = trimGate(1000);
    expect([due(0), due(999), due(1000), due(1500), due(2000)]).toEqual([true, false, true, false, true]);
  });
});
