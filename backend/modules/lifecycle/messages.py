from backend.core.messages import register

register({"timeline_chain_broken": "时间线校验失败：记录被修改、插入或删除"})
