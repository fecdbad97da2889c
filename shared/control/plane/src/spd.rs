//! SPD functions (6.6.2-6.6.6): create, destroy, bind, unbind, flush.

use crate::datapath::SaStore;
use crate::error::PlaneError;
use crate::plane::{has_duplicates, try_vec, ControlPlane, IfBinding, SpdBinding, SpdRec};
use crate::types::{Direction, IfHandle, PolicyHandle, SpdHandle, SpdId};

impl<S: SaStore> ControlPlane<S> {
    /// True when binding `ifs` (empty = all) for `direction` would give an interface a second SPD
    /// of that direction (`skip` is the SPD being bound).
    fn if_conflict(&self, direction: Direction, ifs: &[IfHandle], skip: Option<SpdHandle>) -> bool {
        self.spds.iter().any(|(h, spd)| {
            if Some(SpdHandle(h)) == skip || spd.direction != direction {
                return false;
            }
            match &spd.binding {
                IfBinding::All => true,
                IfBinding::Some(list) => ifs.is_empty() || list.iter().any(|i| ifs.contains(i)),
            }
        })
    }

    fn check_ifs(&self, ifs: &[IfHandle]) -> Result<(), PlaneError> {
        if has_duplicates(ifs) {
            return Err(PlaneError::DuplicateIfHandle);
        }
        if !ifs.iter().all(|i| self.interface_known(*i)) {
            return Err(PlaneError::InvalidIfHandle);
        }
        if ifs.len() > self.limits.bindings_per_spd {
            return Err(PlaneError::NoMemory);
        }
        Ok(())
    }

    fn check_spd_list(&self, spds: &[SpdHandle]) -> Result<(), PlaneError> {
        if has_duplicates(spds) {
            return Err(PlaneError::DuplicateSpdHandle);
        }
        for h in spds {
            self.spd(*h)?;
        }
        Ok(())
    }

    /// `NPF_IPSecSPD_Create` (6.6.2): an SPD for `direction` bound to `ifs` (empty = all
    /// interfaces, now and future, for life).
    pub fn spd_create(
        &mut self,
        direction: Direction,
        ifs: &[IfHandle],
        id: SpdId,
    ) -> Result<SpdHandle, PlaneError> {
        self.check_ifs(ifs)?;
        if self.spds.iter().any(|(_, s)| s.id == id) {
            return Err(PlaneError::SpdIdAlreadyRegistered);
        }
        if self.if_conflict(direction, ifs, None) {
            return Err(PlaneError::IfAlreadyBound);
        }
        if !self.spds.has_room(1) {
            return Err(PlaneError::NoMemory);
        }
        let binding = if ifs.is_empty() {
            IfBinding::All
        } else {
            IfBinding::Some(try_vec(ifs)?)
        };
        let h = self.spds.insert(SpdRec {
            id,
            direction,
            binding,
        })?;
        Ok(SpdHandle(h))
    }

    /// `NPF_IPSecSPD_Destroy` (6.6.3): flushes then removes each SPD; all or nothing. An empty
    /// list means every SPD (`nSPDHandles` 0).
    pub fn spd_destroy(&mut self, spds: &[SpdHandle]) -> Result<(), PlaneError> {
        self.check_spd_list(spds)?;
        if spds.is_empty() {
            self.flush_all();
            loop {
                let next = self.spds.iter().next().map(|(h, _)| h);
                let Some(h) = next else { break };
                self.spds.remove(h);
            }
            return Ok(());
        }
        for h in spds {
            self.flush_one(*h);
            self.spds.remove(h.0);
        }
        Ok(())
    }

    /// `NPF_IPSecSPD_Bind` (6.6.4): adds interfaces (empty = all, for life).
    pub fn spd_bind(&mut self, spd: SpdHandle, ifs: &[IfHandle]) -> Result<(), PlaneError> {
        self.check_ifs(ifs)?;
        let rec = self.spd(spd)?;
        let direction = rec.direction;
        let current_len = match &rec.binding {
            IfBinding::All => return Err(PlaneError::IfAlreadyBound),
            IfBinding::Some(list) => {
                if list.iter().any(|i| ifs.contains(i)) {
                    return Err(PlaneError::IfAlreadyBound);
                }
                list.len()
            }
        };
        if self.if_conflict(direction, ifs, Some(spd)) {
            return Err(PlaneError::IfAlreadyBound);
        }
        if current_len.saturating_add(ifs.len()) > self.limits.bindings_per_spd {
            return Err(PlaneError::NoMemory);
        }
        let Some(rec) = self.spds.get_mut(spd.0) else {
            return Err(PlaneError::InvalidSpdHandle);
        };
        if ifs.is_empty() {
            rec.binding = IfBinding::All;
        } else if let IfBinding::Some(list) = &mut rec.binding {
            list.try_reserve(ifs.len())?;
            list.extend_from_slice(ifs);
        }
        Ok(())
    }

    /// `NPF_IPSecSPD_UnBind` (6.6.5): removes interfaces; never the last one.
    pub fn spd_unbind(&mut self, spd: SpdHandle, ifs: &[IfHandle]) -> Result<(), PlaneError> {
        if has_duplicates(ifs) {
            return Err(PlaneError::DuplicateIfHandle);
        }
        let rec = self.spd(spd)?;
        let list = match &rec.binding {
            IfBinding::All => return Err(PlaneError::UnbindBoundToAll),
            IfBinding::Some(list) => list,
        };
        if ifs.is_empty() {
            return Err(PlaneError::UnbindLastBinding);
        }
        if !ifs.iter().all(|i| list.contains(i)) {
            return Err(PlaneError::InvalidIfHandle);
        }
        if list.iter().all(|i| ifs.contains(i)) {
            return Err(PlaneError::UnbindLastBinding);
        }
        if let Some(SpdRec {
            binding: IfBinding::Some(list),
            ..
        }) = self.spds.get_mut(spd.0)
        {
            list.retain(|i| !ifs.contains(i));
        }
        Ok(())
    }

    /// `NPF_IPSecSPD_Flush` (6.6.6): removes every policy bound explicitly to the SPDs (a policy
    /// bound to other SPDs too only loses this binding; global policies stay); all or nothing.
    /// An empty list means every SPD (`nSPDHandles` 0).
    pub fn spd_flush(&mut self, spds: &[SpdHandle]) -> Result<(), PlaneError> {
        self.check_spd_list(spds)?;
        if spds.is_empty() {
            self.flush_all();
            return Ok(());
        }
        for h in spds {
            self.flush_one(*h);
        }
        Ok(())
    }

    /// Every SPD flushed: each policy bound explicitly to SPDs goes; global policies stay.
    fn flush_all(&mut self) {
        let mut doomed: [PolicyHandle; 32] = [PolicyHandle::INVALID; 32];
        loop {
            // Collect a bounded batch without allocating, then act on it.
            let mut n = 0;
            for (h, p) in self.policies.iter() {
                if matches!(p.binding, SpdBinding::Some(_)) {
                    if let Some(slot) = doomed.get_mut(n) {
                        *slot = PolicyHandle(h);
                        n += 1;
                    }
                }
            }
            if n == 0 {
                return;
            }
            for h in doomed.iter().take(n) {
                self.remove_policy(*h);
            }
        }
    }

    fn flush_one(&mut self, spd: SpdHandle) {
        let mut doomed: [PolicyHandle; 32] = [PolicyHandle::INVALID; 32];
        loop {
            // Collect a bounded batch without allocating, then act on it.
            let mut n = 0;
            for (h, p) in self.policies.iter_mut() {
                if let SpdBinding::Some(list) = &mut p.binding {
                    if list.iter().any(|(s, _)| *s == spd) {
                        if list.len() == 1 {
                            if let Some(slot) = doomed.get_mut(n) {
                                *slot = PolicyHandle(h);
                                n += 1;
                            }
                        } else {
                            list.retain(|(s, _)| *s != spd);
                        }
                    }
                }
            }
            if n == 0 {
                return;
            }
            for h in doomed.iter().take(n) {
                self.remove_policy(*h);
            }
        }
    }
}
