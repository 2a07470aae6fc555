export {
  type AcquireOptions,
  type DeployLock,
  isHolderDead,
  type LockHandle,
  type LockHolder,
  parseLockHolder,
} from "../model/deploy-lock.js";
