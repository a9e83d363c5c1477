// The opening_hours library reads dates in the process zone. Evaluation converts
// network wall clocks explicitly, which is exact only when the process zone has no
// summer time; so the Node process runs in UTC, as Workers always do. Imported first.
process.env.TZ = 'UTC'
