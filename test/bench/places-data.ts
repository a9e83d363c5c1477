import type { Sql } from 'postgres'

// A realistic national dataset: places clustered around French cities (weighted by
// size, spread like a metropolitan area) plus a rural scatter over the mainland,
// with the opening hours such places have.

const CITIES: [string, number, number, number][] = [
  ['Paris', 48.8566, 2.3522, 110],
  ['Marseille', 43.2965, 5.3698, 18],
  ['Lyon', 45.764, 4.8357, 22],
  ['Toulouse', 43.6047, 1.4442, 14],
  ['Nice', 43.7102, 7.262, 10],
  ['Nantes', 47.2184, -1.5536, 10],
  ['Montpellier', 43.6108, 3.8767, 8],
  ['Strasbourg', 48.5734, 7.7521, 8],
  ['Bordeaux', 44.8378, -0.5792, 12],
  ['Lille', 50.6292, 3.0573, 12],
  ['Rennes', 48.1173, -1.6778, 7],
  ['Reims', 49.2583, 4.0317, 4],
  ['Toulon', 43.1242, 5.928, 5],
  ['Saint-Étienne', 45.4397, 4.3872, 4],
  ['Le Havre', 49.4944, 0.1079, 3],
  ['Grenoble', 45.1885, 5.7245, 6],
  ['Dijon', 47.322, 5.0415, 3],
  ['Angers', 47.4784, -0.5632, 3],
  ['Nîmes', 43.8367, 4.3601, 3],
  ['Clermont-Ferrand', 45.7772, 3.087, 3],
  ['Le Mans', 48.0061, 0.1996, 3],
  ['Aix-en-Provence', 43.5297, 5.4474, 3],
  ['Brest', 48.3904, -4.4861, 2],
  ['Tours', 47.3941, 0.6848, 3],
  ['Amiens', 49.8941, 2.2958, 2],
  ['Limoges', 45.8336, 1.2611, 2],
  ['Metz', 49.1193, 6.1757, 3],
  ['Besançon', 47.2378, 6.0241, 2],
  ['Perpignan', 42.6887, 2.8948, 2],
  ['Orléans', 47.9029, 1.9093, 3],
  ['Rouen', 49.4432, 1.0999, 4],
  ['Mulhouse', 47.7508, 7.3359, 2],
  ['Caen', 49.1829, -0.3707, 2],
  ['Nancy', 48.6921, 6.1844, 3],
  ['Avignon', 43.9493, 4.8055, 2],
  ['Poitiers', 46.5802, 0.3404, 2],
  ['Pau', 43.2951, -0.3708, 2],
  ['La Rochelle', 46.1603, -1.1511, 2],
  ['Niort', 46.3237, -0.4588, 1],
  ['Bayonne', 43.4929, -1.4748, 2],
]

// [share in %, kind, opening_hours]: at Sunday 03:30 only the 24/7 places and a few
// late bars are open, about 3 %.
export const HOURS: [number, string, string][] = [
  [45, 'shop', 'Mo-Sa 09:00-19:00; PH off'],
  [12, 'bar', 'Mo-Th 17:00-01:00; Fr-Sa 17:00-02:00; Su 17:00-00:00'],
  [3, 'bar', 'We-Sa 22:00-05:00'],
  [12, 'restaurant', 'Tu-Sa 12:00-14:30,19:00-23:00'],
  [10, 'pharmacy', 'Mo-Fr 08:30-19:30; Sa 09:00-19:00; PH off'],
  [5, 'library', 'Tu-Sa 10:00-18:00; PH off'],
  [5, 'cafe', 'Mo-Su 07:00-20:00'],
  [5, 'public_service', 'Mo-Fr 08:30-12:00,13:30-17:00; PH off'],
  [3, 'hotel', '24/7'],
]

export const CITY_POINTS = CITIES.map(([name, lat, lon]) => ({ name, lat, lon }))

export async function generatePlaces(sql: Sql, networkId: string, count: number) {
  const cityRows = CITIES.map(([, lat, lon, w]) => `(${lat}, ${lon}, ${w})`).join(',')
  let acc = 0
  const hourRows = HOURS.map(([share, kind, oh]) => {
    acc += share
    return `(${acc}, '${kind}', '${oh}')`
  }).join(',')
  // 85 % in cities (gaussian spread ~4 km, wider for big ones), 15 % rural scatter.
  await sql.unsafe(`
    with cities as (
      select lat, lon, w, sum(w) over (order by lat, lon) as upto, sum(w) over () as total
      from (values ${cityRows}) c(lat, lon, w)
    ), hours as (select * from (values ${hourRows}) h(upto, kind, oh)),
    draws as (
      select g, random() as r_city, random() as r_kind, random() as u1, random() as u2, random() as rural
      from generate_series(1, ${count}) g
    )
    insert into places (network_id, status, name, kind, address, location, features, opening_hours,
      charter_accepted_at, training_date, trained_staff)
    select '${networkId}', 'active', 'Lieu ' || d.g, h.kind, d.g || ' rue du Test', p.pt,
      case when d.g % 7 = 0 then '{toilets,step_free}'::text[] else '{}'::text[] end,
      h.oh, now(), (current_date - (d.g % 900))::date, 2
    from draws d
    cross join lateral (select * from cities c where c.upto >= d.r_city * c.total order by c.upto limit 1) c
    cross join lateral (select * from hours h where h.upto >= d.r_kind * 100 order by h.upto limit 1) h
    cross join lateral (
      select case when d.rural < 0.15 then
        st_setsrid(st_makepoint(-4.5 + 12.5 * d.u1, 42.5 + 8.5 * d.u2), 4326)::geography
      else
        st_setsrid(st_makepoint(
          c.lon + sqrt(-2 * ln(greatest(d.u1, 1e-9))) * cos(2 * pi() * d.u2) * (0.03 + c.w / 2000.0) * 1.4,
          c.lat + sqrt(-2 * ln(greatest(d.u1, 1e-9))) * sin(2 * pi() * d.u2) * (0.03 + c.w / 2000.0)), 4326)::geography
      end as pt
    ) p`)
}
