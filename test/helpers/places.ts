// A partner's application in Besançon, as the places tests send it; overrides change a field.
export const besanconApplication = (overrides: Record<string, unknown> = {}) => ({
  name: 'Le Refuge',
  kind: 'bar',
  address: '1 place de la Révolution, Besançon',
  location: { lat: 47.2388, lon: 6.0243 },
  opening_hours: 'Mo-Sa 10:00-19:00',
  contact_name: 'Camille',
  charter_accepted: true,
  features: ['toilets'],
  ...overrides,
})
