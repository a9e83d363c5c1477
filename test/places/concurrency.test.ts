import { expect, it } from 'vitest'
import { createNetwork, testApp } from '../helpers/app.ts'

// Concurrent writes and reads, as a busy evening brings: on the embedded database
// interleaved connections once lost each other's portals and then hung.
it('30 concurrent applications and searches all succeed', async () => {
  const t = await testApp()
  try {
    await createNetwork(t, { slug: 'soir' })
    const application = (i: number) => ({
      name: `Lieu ${i}`,
      kind: 'bar',
      address: '1 rue du Soir',
      location: { lat: 47 + i / 1000, lon: 6 },
      opening_hours: '24/7',
      contact_name: 'x',
      charter_accepted: true,
    })
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 2
          ? t.request('/v1/networks/soir/applications', { method: 'POST', json: application(i) })
          : t.request('/v1/networks/soir/places/nearest?lat=47&lon=6'),
      ),
    )
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 30 }, (_, i) => (i % 2 ? 201 : 200)))
    expect(t.logs.filter((l) => l.level === 'error')).toEqual([])
    const [row] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from places`
    expect(row?.n).toBe(15)
  } finally {
    await t.close()
  }
})
