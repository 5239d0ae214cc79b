// moment-business-time ships no types: the two methods the comparison uses.
import 'moment';

declare module 'moment' {
  interface Moment {
    addWorkingTime(amount: number, unit: unitOfTime.Base): Moment;
    workingDiff(other: Moment, unit: unitOfTime.Base, precise?: boolean): number;
  }
}
