// The numbers every answer to a person in distress carries: police, European
// emergency number, and emergency by SMS (for people who cannot speak or hear).
export const EMERGENCY = { police: '17', eu: '112', sms: '114' } as const
