/**
 * The vector helpers both stores use: RRF fusion and the JS top-K by cosine, the latter compared
 * with sqlite-vec's own `vec_distance_cosine` (which the SQLite store scores with), so the two
 * stores rank vectors alike and an upgrade that changes either fails here.
 */
import Database from 'better-sqlite3'
import * as sqliteVec from 'sqlite-vec'
import { describe, expect, it } from 'vitest'
import { bytesVector, fuseRankings, normalise, RRF_K, topByCosine, vectorBytes } from './knowledge-vectors.ts'

const random = (seed: number, dimensions: number) => {
  let x = seed + 1
  return normalise(
    Array.from({ length: dimensions }, () => {
      x = (x * 1103515245 + 12345) % 2147483648
      return x / 1073741824 - 1
    }),
  )
}

describe('knowledge vectors', () => {
  it('fuses rankings by RRF: in both beats first in one; ties keep the first ranking’s order', () => {
    const fused = fuseRankings(
      [
        ['a', 'b', 'c'],
        ['c', 'd'],
      ],
      (item) => item,
    )
    expect(fused.map((entry) => entry.item)).toEqual(['c', 'a', 'b', 'd'])
    expect(fused[0]!.score).toBeCloseTo(1 / (RRF_K + 3) + 1 / (RRF_K + 1))
    expect(fused[1]!.score).toBeCloseTo(1 / (RRF_K + 1))
    expect(fuseRankings([[], []], (item: string) => item)).toEqual([])
  })

  it('ranks by cosine as sqlite-vec does, skips vectors of another length and those at cosine 0 or below', () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ id: i, embedding: vectorBytes(random(i, 48)) }))
    const query = random(1000, 48)
    const db = new Database(':memory:')
    sqliteVec.load(db)
    const byVec = rows
      .map((row) => ({ id: row.id, distance: (db.prepare('SELECT vec_distance_cosine(?, ?) AS d').get(row.embedding, vectorBytes(query)) as { d: number }).d }))
      .filter((row) => row.distance < 1)
      .sort((a, b) => a.distance - b.distance)
      .slice(0, 20)
    db.close()
    expect(topByCosine(query, rows, 20).map((row) => row.id)).toEqual(byVec.map((row) => row.id))
    const others = [
      { id: -1, embedding: vectorBytes(random(5, 12)) },
      { id: -2, embedding: vectorBytes(normalise(query.map((v) => -v))) },
    ]
    expect(topByCosine(query, others)).toEqual([])
  })

  it('reads stored bytes back exactly, aligned or not', () => {
    const vector = random(7, 5)
    const unaligned = Buffer.concat([Buffer.from([9]), vectorBytes(vector)]).subarray(1)
    expect(Array.from(bytesVector(unaligned))).toEqual(Array.from(vector))
    expect(Array.from(bytesVector(vectorBytes(vector)))).toEqual(Array.from(vector))
  })
})
