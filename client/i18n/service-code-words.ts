/**
 * The billing codes the pages show (server/billing/catalogue/service-codes.json), in words, by code: the code itself
 * stays beside them, as billers and insurers speak in codes. English is the catalogue's own short description
 * (docs/billing.md: our words, not the AMA's descriptors); Chinese as a Chinese hospital's price list would say it.
 */
export type ServiceCodeWords = Partial<Record<string, string>>;

export const SERVICE_CODES_EN: ServiceCodeWords = {
  99202: 'Telehealth visit, new patient, 15–29 min of the doctor\'s time that day',
  99203: 'Telehealth visit, new patient, 30–44 min of the doctor\'s time that day',
  99204: 'Telehealth visit, new patient, 45–59 min of the doctor\'s time that day',
  99205: 'Telehealth visit, new patient, 60 min or more of the doctor\'s time that day',
  99212: 'Telehealth visit, established patient, 10–19 min of the doctor\'s time that day',
  99213: 'Telehealth visit, established patient, 20–29 min of the doctor\'s time that day',
  99214: 'Telehealth visit, established patient, 30–39 min of the doctor\'s time that day',
  99215: 'Telehealth visit, established patient, 40 min or more of the doctor\'s time that day',
  98016: 'Brief check-in by phone or video with an established patient, 5–10 min',
  G2252: 'Brief check-in by phone or video with an established patient, 11–20 min',
  99421: 'Online visit through the portal, established patient, 5–10 min over 7 days',
  99422: 'Online visit through the portal, established patient, 11–20 min over 7 days',
  99423: 'Online visit through the portal, established patient, 21 min or more over 7 days',
  99453: 'Remote monitoring: setting up the device and teaching the patient to use it (once per episode)',
  99454: 'Remote monitoring: device supply with daily readings, 16–30 days in 30 days',
  99445: 'Remote monitoring: device supply with readings on 2–15 days in 30 days',
  99457: 'Remote monitoring treatment management, first 20 min of interactive time in a calendar month',
  99458: 'Remote monitoring treatment management, each further 20 min in the same calendar month',
  '02': 'Telehealth from somewhere other than the patient\'s home',
  10: 'Telehealth in the patient\'s home',
  95: 'Modifier: real-time audio and video telemedicine',
  93: 'Modifier: audio-only telemedicine',
  110200001: 'General outpatient consultation',
  '110200001-IH': 'Internet follow-up consultation, priced as the general outpatient consultation',
};

export const SERVICE_CODES_ZH: ServiceCodeWords = {
  99202: '远程视频就诊，新患者，医生当日用时 15–29 分钟',
  99203: '远程视频就诊，新患者，医生当日用时 30–44 分钟',
  99204: '远程视频就诊，新患者，医生当日用时 45–59 分钟',
  99205: '远程视频就诊，新患者，医生当日用时 60 分钟及以上',
  99212: '远程视频就诊，复诊患者，医生当日用时 10–19 分钟',
  99213: '远程视频就诊，复诊患者，医生当日用时 20–29 分钟',
  99214: '远程视频就诊，复诊患者，医生当日用时 30–39 分钟',
  99215: '远程视频就诊，复诊患者，医生当日用时 40 分钟及以上',
  98016: '复诊患者电话或视频简短问诊，5–10 分钟',
  G2252: '复诊患者电话或视频简短问诊，11–20 分钟',
  99421: '患者门户在线问诊，复诊患者，7 天内累计 5–10 分钟',
  99422: '患者门户在线问诊，复诊患者，7 天内累计 11–20 分钟',
  99423: '患者门户在线问诊，复诊患者，7 天内累计 21 分钟及以上',
  99453: '远程监测：设备安装及指导患者使用（每个疗程一次）',
  99454: '远程监测：设备供应及每日测量，30 天内有 16–30 天读数',
  99445: '远程监测：设备供应，30 天内有 2–15 天读数',
  99457: '远程监测治疗管理：一个自然月内首个 20 分钟互动时间',
  99458: '远程监测治疗管理：同一自然月内每增加 20 分钟',
  '02': '在患者家以外的地点进行远程医疗',
  10: '在患者家中进行远程医疗',
  95: '修饰码：实时音视频远程医疗',
  93: '修饰码：仅音频远程医疗',
  110200001: '普通门诊诊查费',
  '110200001-IH': '互联网复诊（按普通门诊诊查费计价）',
};
