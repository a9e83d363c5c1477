// ISO 3166-1 alpha-2, the 249 assigned codes, by first letter. Intl.DisplayNames is no
// check: it names reserved and private-use codes too ("ZZ" is "Unknown Region", "EU",
// "XK", "UK"), and a network's country decides its public holidays.
const BY_LETTER =
  'A:DEFGILMOQRSTUWXZ B:ABDEFGHIJLMNOQRSTVWYZ C:ACDFGHIKLMNORUVWXYZ D:EJKMOZ E:CEGHRST F:IJKMOR ' +
  'G:ABDEFGHILMNPQRSTUWY H:KMNRTU I:DELMNOQRST J:EMOP K:EGHIMNPRWYZ L:ABCIKRSTUVY ' +
  'M:ACDEFGHKLMNOPQRSTUVWXYZ N:ACEFGILOPRUZ O:M P:AEFGHKLMNRSTWY Q:A R:EOSUW S:ABCDEGHIJKLMNORSTVXYZ ' +
  'T:CDFGHJKLMNORTVWZ U:AGMSYZ V:ACEGINU W:FS Y:ET Z:AMW'

export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  BY_LETTER.split(' ').flatMap((group) => {
    const [first, rest] = group.split(':') as [string, string]
    return [...rest].map((second) => first + second)
  }),
)

export const isCountryCode = (code: string) => COUNTRY_CODES.has(code.toUpperCase())
