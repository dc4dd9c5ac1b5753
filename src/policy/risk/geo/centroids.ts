/**
 * Where a country is, roughly: one point per ISO 3166-1 alpha-2 code (latitude, longitude in whole
 * degrees, written for Gatehouse from general geographic knowledge — an approximate centre of the
 * country's main territory, not a surveyed centroid) and, for countries much larger than a few
 * hundred kilometres across, a radius in km.
 *
 * The GeoIP data names countries only, so travel between two sign-ins is measured between these
 * points, and each side may really have been anywhere within its radius: the travel check
 * subtracts both radii from the distance (see ./distance.ts) so that Seattle → Vancouver is never
 * "impossible" because the US and Canada centres are 2,000 km apart.
 */
const C: Record<string, readonly [lat: number, lon: number]> = {
  AD: [42, 1], AE: [24, 54], AF: [33, 66], AG: [17, -62], AI: [18, -63], AL: [41, 20], AM: [40, 45], AN: [12, -69],
  AO: [-12, 18], AQ: [-75, 0], AR: [-34, -64], AS: [-14, -171], AT: [47, 14], AU: [-25, 134], AW: [12, -70], AX: [60, 20],
  AZ: [40, 48], BA: [44, 18], BB: [13, -60], BD: [24, 90], BE: [51, 5], BF: [12, -2], BG: [43, 25], BH: [26, 51],
  BI: [-3, 30], BJ: [9, 2], BL: [18, -63], BM: [32, -65], BN: [5, 115], BO: [-17, -65], BQ: [12, -68], BR: [-10, -52],
  BS: [24, -76], BT: [27, 90], BV: [-54, 3], BW: [-22, 24], BY: [53, 28], BZ: [17, -89], CA: [56, -100], CC: [-12, 97],
  CD: [-3, 23], CF: [7, 21], CG: [-1, 15], CH: [47, 8], CI: [8, -5], CK: [-21, -160], CL: [-33, -71], CM: [6, 12],
  CN: [35, 104], CO: [4, -73], CR: [10, -84], CU: [22, -79], CV: [16, -24], CW: [12, -69], CX: [-10, 106], CY: [35, 33],
  CZ: [50, 15], DE: [51, 10], DJ: [12, 43], DK: [56, 10], DM: [15, -61], DO: [19, -70], DZ: [28, 3], EC: [-2, -78],
  EE: [59, 26], EG: [27, 30], EH: [25, -13], ER: [15, 39], ES: [40, -4], ET: [9, 39], FI: [64, 26], FJ: [-18, 178],
  FK: [-52, -59], FM: [7, 158], FO: [62, -7], FR: [46, 2], GA: [-1, 12], GB: [54, -2], GD: [12, -62], GE: [42, 44],
  GF: [4, -53], GG: [49, -3], GH: [8, -1], GI: [36, -5], GL: [72, -40], GM: [13, -15], GN: [10, -11], GP: [16, -62],
  GQ: [2, 10], GR: [39, 22], GS: [-54, -37], GT: [15, -90], GU: [13, 145], GW: [12, -15], GY: [5, -59], HK: [22, 114],
  HM: [-53, 73], HN: [15, -87], HR: [45, 16], HT: [19, -72], HU: [47, 19], ID: [-2, 118], IE: [53, -8], IL: [31, 35],
  IM: [54, -5], IN: [22, 79], IO: [-6, 72], IQ: [33, 44], IR: [32, 53], IS: [65, -18], IT: [43, 12], JE: [49, -2],
  JM: [18, -77], JO: [31, 36], JP: [36, 138], KE: [0, 38], KG: [41, 75], KH: [13, 105], KI: [1, 173], KM: [-12, 44],
  KN: [17, -63], KP: [40, 127], KR: [36, 128], KW: [29, 48], KY: [19, -81], KZ: [48, 68], LA: [18, 103], LB: [34, 36],
  LC: [14, -61], LI: [47, 10], LK: [8, 81], LR: [6, -9], LS: [-29, 28], LT: [55, 24], LU: [50, 6], LV: [57, 25],
  LY: [27, 17], MA: [32, -6], MC: [44, 7], MD: [47, 29], ME: [43, 19], MF: [18, -63], MG: [-19, 47], MH: [7, 171],
  MK: [42, 22], ML: [17, -4], MM: [21, 96], MN: [47, 104], MO: [22, 114], MP: [15, 146], MQ: [15, -61], MR: [20, -10],
  MS: [17, -62], MT: [36, 14], MU: [-20, 58], MV: [3, 73], MW: [-13, 34], MX: [23, -102], MY: [3, 102], MZ: [-18, 35],
  NA: [-22, 17], NC: [-21, 166], NE: [17, 9], NF: [-29, 168], NG: [9, 8], NI: [13, -85], NL: [52, 5], NO: [62, 10],
  NP: [28, 84], NR: [-1, 167], NU: [-19, -170], NZ: [-41, 174], OM: [21, 57], PA: [9, -80], PE: [-10, -76], PF: [-17, -150],
  PG: [-6, 147], PH: [13, 122], PK: [30, 70], PL: [52, 19], PM: [47, -56], PN: [-25, -130], PR: [18, -66], PS: [32, 35],
  PT: [40, -8], PW: [7, 134], PY: [-23, -58], QA: [25, 51], RE: [-21, 56], RO: [46, 25], RS: [44, 21], RU: [60, 90],
  RW: [-2, 30], SA: [24, 45], SB: [-9, 160], SC: [-5, 55], SD: [15, 30], SE: [62, 15], SG: [1, 104], SH: [-16, -6],
  SI: [46, 15], SJ: [78, 16], SK: [49, 20], SL: [8, -12], SM: [44, 12], SN: [14, -14], SO: [6, 46], SR: [4, -56],
  SS: [7, 30], ST: [0, 7], SV: [14, -89], SX: [18, -63], SY: [35, 38], SZ: [-26, 31], TC: [22, -72], TD: [15, 19],
  TF: [-49, 69], TG: [8, 1], TH: [15, 101], TJ: [39, 71], TK: [-9, -172], TL: [-9, 126], TM: [39, 59], TN: [34, 9],
  TO: [-20, -175], TR: [39, 35], TT: [11, -61], TV: [-8, 178], TW: [24, 121], TZ: [-6, 35], UA: [49, 32], UG: [1, 32],
  UM: [19, 167], US: [39, -98], UY: [-33, -56], UZ: [41, 64], VA: [42, 12], VC: [13, -61], VE: [7, -66], VG: [18, -65],
  VI: [18, -65], VN: [16, 107], VU: [-16, 167], WF: [-13, -177], WS: [-14, -172], XK: [43, 21], YE: [15, 48], YT: [-13, 45],
  ZA: [-29, 25], ZM: [-14, 28], ZW: [-19, 30],
};

/**
 * Half the span of the larger countries, km (the distance from the point above to their far
 * borders, generously rounded up); every other country counts as 300 km. Where a country is
 * scattered (islands, overseas parts listed under their own codes) the radius covers the main part.
 */
const RADIUS_KM: Record<string, number> = {
  RU: 3500, CA: 2800, US: 2600, CN: 2500, BR: 2200, AU: 2200, IN: 1700, AR: 1800, KZ: 1400, DZ: 1200,
  CD: 1200, SA: 1200, MX: 1600, ID: 2600, SD: 1000, LY: 1000, IR: 1100, MN: 1100, PE: 1000, TD: 1000,
  NE: 900, AO: 900, ML: 1000, ZA: 900, CO: 900, ET: 900, BO: 800, MR: 800, EG: 700, TZ: 700, NG: 700,
  VE: 700, PK: 900, NA: 700, MZ: 1000, TR: 800, CL: 2100, ZM: 600, MM: 900, AF: 700, SO: 900, CF: 600,
  SS: 600, UA: 700, MG: 800, BW: 500, KE: 600, FR: 600, YE: 600, TH: 800, ES: 600, TM: 600, CM: 600,
  PG: 800, SE: 800, UZ: 700, MA: 700, IQ: 500, PY: 500, ZW: 400, JP: 1300, DE: 450, NO: 900, FI: 600,
  PL: 400, IT: 600, PH: 900, VN: 800, MY: 900, NZ: 800, GB: 500, GL: 1300, GR: 400, MU: 600, KI: 2000,
  FM: 1400, MH: 600, PF: 1000, UM: 3000, TF: 900, AQ: 2500, CK: 700, EC: 700,
};

export interface Place {
  lat: number;
  lon: number;
  radiusKm: number;
}

/** The point and radius of a country code, or undefined for a code not in the table. */
export function placeOf(country: string): Place | undefined {
  const c = C[country];
  if (!c) return undefined;
  return { lat: c[0], lon: c[1], radiusKm: RADIUS_KM[country] ?? 300 };
}
